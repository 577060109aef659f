"""On PostgreSQL, from real threads: one of two concurrent decisions wins, and appends commit in
position order so a consumer reading by position never skips an event that committed late."""
import threading

import pytest
from django.db import connection, transaction

from cases import services
from cases.models import Appeal, Violation
from eventstore import consumers
from eventstore.actors import Actor
from eventstore.consumers import process_new_events, register_consumer
from eventstore.models import Event
from eventstore.store import append

from .conftest import judgement, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        except Exception as exc:  # the outcome is what the test asserts
            results[key] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_concurrent_decisions_on_one_appeal_exactly_one_wins(merchant, settings, tmp_path):
    first, second = make_user("rita", "reviewer"), make_user("colin", "reviewer")
    violation = services.violation_record(**judgement())
    services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant("m-1"), statement="Not us.")
    version = Violation.objects.get(pk=violation.pk).version
    start = threading.Barrier(2)
    results = {}

    def decide(user, accept):
        def run():
            start.wait()
            return services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(user), accept=accept,
                                          reasons=f"decided by {user.username}", expected_version=version)
        return run

    threads = [_in_thread(decide(first, True), results, "rita"), _in_thread(decide(second, False), results, "colin")]
    for thread in threads:
        thread.join(timeout=30)
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["Appeal", "ConcurrencyError"], results
    winner = next(name for name, r in results.items() if isinstance(r, Appeal))
    appeal = Appeal.objects.get(pk=violation.pk)
    assert appeal.reasons == f"decided by {winner}"
    assert Violation.objects.get(pk=violation.pk).state == ("appeal_succeeded" if winner == "rita" else "appeal_failed")
    assert list(Event.objects.filter(stream=violation.stream).values_list("type", flat=True)) == [
        "violation.recorded", "violation.appeal_submitted", "violation.appeal_decided"]


def test_a_late_commit_is_never_skipped_by_a_consumer_reading_by_position(db, monkeypatch):
    first_appended, release_first, second_done = threading.Event(), threading.Event(), threading.Event()
    results = {}

    def slow_writer():
        with transaction.atomic():
            event = append("stream-a", "thing.happened", {"v": 1})
            first_appended.set()
            release_first.wait(timeout=30)  # still uncommitted while the other writer tries
        return event

    def quick_writer():
        first_appended.wait(timeout=30)
        event = append("stream-b", "thing.happened", {"v": 1})
        second_done.set()
        return event

    seen = []
    monkeypatch.setattr(consumers, "_CONSUMERS", {})
    register_consumer("watcher", seen.append)
    slow = _in_thread(slow_writer, results, "slow")
    quick = _in_thread(quick_writer, results, "quick")
    assert first_appended.wait(timeout=30)
    # The second append waits for the first transaction: it cannot take a later position and commit first.
    assert not second_done.wait(timeout=1.0)
    process_new_events("watcher")
    assert seen == []  # nothing is visible yet, so the checkpoint stays put
    release_first.set()
    slow.join(timeout=30)
    quick.join(timeout=30)
    assert results["slow"].position < results["quick"].position, results
    process_new_events("watcher")
    assert [e.stream for e in seen] == ["stream-a", "stream-b"]


def test_a_long_transaction_and_a_reviewer_on_the_same_case_do_not_deadlock(merchant):
    """A batch (like the nightly evaluation) that appended and then works a case, against a reviewer
    working the same case: the reviewer waits for the append lock before locking any row."""
    import time

    from cases.errors import TransitionNotAllowed

    reviewer = make_user("rita", "reviewer")
    warning = services.warning_raise(**judgement())
    batch_appended, reviewer_started = threading.Event(), threading.Event()
    results = {}

    def batch():
        with transaction.atomic():
            append("batch-log", "thing.happened", {"v": 1})
            batch_appended.set()
            reviewer_started.wait(timeout=30)
            time.sleep(0.5)  # let the reviewer's transaction take whatever it takes first
            return services.warning_resolve(warning_id=warning.pk, reason="rate back under warn_at")

    def review():
        batch_appended.wait(timeout=30)
        reviewer_started.set()
        return services.warning_dismiss(warning_id=warning.pk, actor=Actor.reviewer(reviewer), reason="Noise.")

    threads = [_in_thread(batch, results, "batch"), _in_thread(review, results, "review")]
    for thread in threads:
        thread.join(timeout=60)
    assert type(results["review"]) is TransitionNotAllowed, results
    assert results["batch"].state == "resolved"
    assert list(Event.objects.filter(stream=warning.stream).values_list("type", flat=True)) == [
        "warning.raised", "warning.resolved"]
