"""Restrictions change as soon as a case command commits: recording a violation, deciding an appeal or
withdrawing a violation queues a drain of the consumers on commit (here run eagerly, as in the demo),
without anyone draining the consumer by hand."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from cases import services as case_services
from enforcement.models import Penalty
from enforcement.selectors import restriction_document
from eventstore.actors import Actor
from riskcase.celery import app


@pytest.fixture(autouse=True)
def eager(monkeypatch):
    """Tasks queued on commit run in-process (the default without REDIS_URL), whatever the environment;
    the real drain_consumers.delay again (tests/conftest.py keeps it off the broker elsewhere)."""
    from eventstore import tasks

    monkeypatch.delattr(tasks.drain_consumers, "delay")
    monkeypatch.delattr(tasks.drain_consumers, "apply_async")
    monkeypatch.setattr(app.conf, "task_always_eager", True)
    monkeypatch.setattr(app.conf, "task_eager_propagates", True)


def case_reviewer(username, codename):
    user = get_user_model().objects.create_user(username=username, password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="cases", codename=codename))
    return get_user_model().objects.get(pk=user.pk)


def test_recording_a_violation_imposes_the_first_step_after_commit(record, merchant,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        violation = record(drain=False)

    [penalty] = Penalty.objects.filter(merchant_id=merchant.merchant_id)
    assert (penalty.kind, penalty.state, penalty.violation_ids) == ("public_warning", "active", [str(violation.pk)])
    assert restriction_document(merchant.merchant_id)["public_warning"] is True


def test_nothing_is_imposed_before_the_commit(record, merchant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record(drain=False)

    assert callbacks and not Penalty.objects.exists()


def test_a_won_appeal_lifts_the_penalty_after_commit(record, merchant, django_capture_on_commit_callbacks):
    decider = case_reviewer("dora", "decide_appeal")
    with django_capture_on_commit_callbacks(execute=True):
        violation = record(drain=False)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant(merchant.merchant_id),
                                    statement="not us")

    with django_capture_on_commit_callbacks(execute=True):
        case_services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(decider), accept=True,
                                    reasons="checked")

    assert Penalty.objects.get().state == "lifted"
    assert restriction_document(merchant.merchant_id)["public_warning"] is False


def test_a_withdrawal_lifts_the_penalty_after_commit(record, merchant, django_capture_on_commit_callbacks):
    withdrawer = case_reviewer("walt", "withdraw_violation")
    with django_capture_on_commit_callbacks(execute=True):
        violation = record(drain=False)

    with django_capture_on_commit_callbacks(execute=True):
        case_services.violation_withdraw(violation_id=violation.pk, actor=Actor.reviewer(withdrawer),
                                         reason="Recorded in error.")

    assert Penalty.objects.get().state == "lifted"


def test_one_transaction_queues_one_drain_however_many_events(record, merchant, monkeypatch,
                                                              django_capture_on_commit_callbacks):
    """Each commit queues one drain, however many events it appended."""
    from django.db import transaction

    from eventstore import tasks

    drains = []
    monkeypatch.setattr(tasks.drain_consumers, "apply_async", lambda **kw: drains.append(1))
    with django_capture_on_commit_callbacks(execute=True):
        record(drain=False, risk_point="negative_review_rate")
    with django_capture_on_commit_callbacks(execute=True):
        record(drain=False)
    assert len(drains) == 2
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record(drain=False, risk_point="merchant_refund_rate")
        record(drain=False, risk_point="service_not_provided")
    assert len(drains) == 3
