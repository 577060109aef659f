"""`verify_audit` checks every stream's hash chain, the links that prove an event was deleted, and each
stream's head against its projection; it names what is broken."""
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from eventstore.models import Event, event_hash
from eventstore.store import append
from tests.commands import run_command

pytestmark = pytest.mark.django_db

TRIGGERS = ("cases_event_no_update", "cases_event_no_delete")


def _tamper(sql, params):
    """Change the log behind the triggers' back (as a DBA could); the test's transaction restores them."""
    with connection.cursor() as cursor:
        for trigger in TRIGGERS:
            cursor.execute(f"DROP TRIGGER {trigger} ON cases_event" if connection.vendor == "postgresql"
                           else f"DROP TRIGGER {trigger}")
        cursor.execute(sql, params)


@pytest.fixture
def log():
    # Streams of no aggregate kind: only their chains and links are checked, not a projection.
    events = [append("ledger-1", "thing.happened", {"v": 1, "n": n}) for n in range(3)]
    events.append(append("journal-2", "thing.happened", {"v": 1, "n": 9}))
    return events


def test_an_intact_log_passes(log):
    code, output = run_command("verify_audit")
    assert code == 0
    # The log also holds the shipped reference data's events: 18 thresholds, 6 rule parameters, 1 policy.
    assert "all 27 stream(s) intact (29 events)" in output


def test_a_changed_payload_is_named_as_the_first_broken_event(log):
    _tamper("UPDATE cases_event SET data = %s WHERE id = %s", ['{"v": 1, "n": 100}', log[1].position])
    code, output = run_command("verify_audit")
    assert code == 1
    assert f"BROKEN event #{log[1].position} (ledger-1@2): hash does not match" in output
    assert "journal-2" not in output


def test_a_changed_payload_with_a_recomputed_hash_breaks_the_next_link(log):
    _tamper("UPDATE cases_event SET data = %s, hash = %s WHERE id = %s",
            ['{"v": 1, "n": 100}', "0" * 64, log[0].position])
    code, output = run_command("verify_audit")
    assert code == 1
    assert f"event #{log[0].position}" in output


def test_a_deleted_event_leaves_a_gap_that_is_named(log):
    _tamper("DELETE FROM cases_event WHERE id = %s", [log[1].position])
    code, output = run_command("verify_audit")
    assert code == 1
    assert f"BROKEN event #{log[2].position} (ledger-1@3): version 3 follows 1" in output
    assert (f"BROKEN event #{log[2].position} (ledger-1@3): appended after event #{log[1].position}, "
            "which is missing (deleted)") in output


def test_a_deleted_event_is_named_even_when_its_stream_still_chains(log):
    # journal-2's only event goes: its stream vanishes whole, no version chain notices, the next link does.
    extra = append("ledger-1", "thing.happened", {"v": 1, "n": 3})
    _tamper("DELETE FROM cases_event WHERE id = %s", [log[3].position])
    code, output = run_command("verify_audit")
    assert code == 1
    assert (f"BROKEN event #{extra.position} (ledger-1@4): appended after event #{log[3].position}, "
            "which is missing (deleted)") in output
    assert "journal-2" not in output


def test_a_skipped_position_alone_is_not_a_deletion(log):
    """A rolled-back append uses up a position on PostgreSQL: the log has a hole in its numbers, no gap."""
    from django.db import transaction

    from eventstore.errors import ConcurrencyError

    with pytest.raises(ConcurrencyError), transaction.atomic():
        append("ledger-1", "thing.happened", {"v": 1, "n": 4}, expected_version=1)  # stale: refused
    try:
        with transaction.atomic():
            append("ledger-1", "thing.happened", {"v": 1, "n": 4})
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    after = append("ledger-1", "thing.happened", {"v": 1, "n": 5})
    if connection.vendor == "postgresql":
        assert after.position > log[-1].position + 1  # the rolled-back append's position is skipped
    code, output = run_command("verify_audit")
    assert code == 0, output


def test_a_changed_recorded_at_is_caught(log):
    stored = Event.objects.get(pk=log[2].position)
    _tamper("UPDATE cases_event SET recorded_at = %s WHERE id = %s",
            [stored.recorded_at + timedelta(seconds=1), log[2].position])
    code, output = run_command("verify_audit")
    assert code == 1
    assert f"BROKEN event #{log[2].position} (ledger-1@3): hash does not match" in output


def test_a_moved_position_is_caught(log):
    _tamper("UPDATE cases_event SET id = %s WHERE id = %s", [log[-1].position + 100, log[-1].position])
    code, output = run_command("verify_audit")
    assert code == 1
    assert f"BROKEN event #{log[-1].position + 100} (journal-2@1): hash does not match" in output


def test_events_of_hash_scheme_1_keep_verifying(log):
    """Rows written before hash scheme 2 (no prev_position, recorded_at outside the hash) still verify."""
    from django.utils import timezone

    now = timezone.now()
    fields = dict(stream="old-1", version=1, type="thing.happened", data={"v": 1}, metadata={"actor_kind": "system"},
                  occurred_at=now, prev_hash="")
    old = Event.objects.create(**fields, recorded_at=now, hash_scheme=1, prev_position=None,
                               hash=event_hash(**fields))
    later = append("ledger-1", "thing.happened", {"v": 1, "n": 3})
    assert Event.objects.get(pk=later.position).prev_position == old.pk
    assert run_command("verify_audit")[0] == 0
    _tamper("UPDATE cases_event SET data = %s WHERE id = %s", ['{"v": 2}', old.pk])
    code, output = run_command("verify_audit")
    assert code == 1
    assert f"BROKEN event #{old.pk} (old-1@1): hash does not match" in output


def _delete_last_event(stream):
    """Delete a stream's last event as a superuser could: lift the trigger, delete, put the trigger back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE cases_event DISABLE TRIGGER cases_event_no_delete")
            cursor.execute("DELETE FROM cases_event WHERE id = (SELECT MAX(id) FROM cases_event WHERE stream = %s)",
                           [stream])
            cursor.execute("ALTER TABLE cases_event ENABLE TRIGGER cases_event_no_delete")
        else:
            cursor.execute("DROP TRIGGER cases_event_no_delete")
            cursor.execute("DELETE FROM cases_event WHERE id = (SELECT MAX(id) FROM cases_event WHERE stream = %s)",
                           [stream])


def test_a_deleted_last_event_of_a_case_is_named(record_violation):
    from cases import services
    from eventstore.actors import Actor

    violation = record_violation()
    services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant("m-1"), statement="Not us.")
    violation.refresh_from_db()
    assert run_command("verify_audit")[0] == 0
    _delete_last_event(f"violation-{violation.pk}")
    code, output = run_command("verify_audit")
    assert code == 1
    assert (f"BROKEN stream violation-{violation.pk}: last event is version {violation.version - 1}, but the "
            f"violation is at version {violation.version} (its last event(s) deleted)") in output


def test_a_deleted_last_event_of_reference_data_is_named(log):
    stream = Event.objects.filter(stream__startswith="threshold:").order_by("-pk").values_list("stream", flat=True)[0]
    count = Event.objects.filter(stream__startswith="threshold:").count()
    _delete_last_event(stream)
    code, output = run_command("verify_audit")
    assert code == 1
    assert f"BROKEN threshold streams: {count - 1} event(s) but {count} threshold version row(s)" in output


def test_a_changed_or_missing_evidence_file_is_found_with_files(record_violation, media_root):
    from django.core.files.base import ContentFile

    from cases import services
    from eventstore.actors import Actor

    violation = record_violation()
    services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant("m-1"), statement="Not us.",
                           files=[ContentFile(b"%PDF-1.4 original", name="a.pdf"), ContentFile(b"%PDF-1.4 other", name="b.pdf")])
    out = io.StringIO()
    call_command("verify_audit", "--files", stdout=out)
    assert "evidence files intact" in out.getvalue()
    first, second = violation.appeal.evidence.order_by("name")
    (media_root / first.file.name).write_bytes(b"forged")
    (media_root / second.file.name).unlink()
    code, output = run_command("verify_audit", "--files")
    assert code == 1
    assert f"{first.file.name} (a.pdf) was changed" in output
    assert f"{second.file.name} (b.pdf) is missing" in output
