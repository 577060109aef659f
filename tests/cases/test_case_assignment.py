"""Assigning a case to oneself or a colleague."""
import pytest

from cases import services
from cases.errors import ConcurrencyError, InvalidCommand, NotPermitted, TransitionNotAllowed
from cases.models import Violation, Warning
from eventstore.actors import Actor
from eventstore.store import read

pytestmark = pytest.mark.django_db


def test_a_reviewer_assigns_a_warning_to_herself_then_to_a_colleague(raise_warning, reviewer, colleague):
    warning = raise_warning()
    services.case_assign(case_id=warning.pk, assignee_id=reviewer.pk, actor=Actor.reviewer(reviewer))
    services.case_assign(case_id=warning.pk, assignee_id=colleague.pk, actor=Actor.reviewer(reviewer),
                         expected_version=2)
    assert Warning.objects.get(pk=warning.pk).assignee == colleague
    assert [e.data["assignee_id"] for e in read(warning.stream)[1:]] == [reviewer.pk, colleague.pk]


def test_assigning_to_the_same_person_records_nothing(record_violation, reviewer):
    violation = record_violation()
    for _ in range(2):
        services.case_assign(case_id=violation.pk, assignee_id=reviewer.pk, actor=Actor.reviewer(reviewer))
    assert Violation.objects.get(pk=violation.pk).version == 2


def test_assignment_is_refused_to_non_staff_without_permission_on_closed_cases_and_when_stale(
        raise_warning, reviewer, auditor, django_user_model):
    warning = raise_warning()
    customer = django_user_model.objects.create_user("carl", is_staff=False)
    with pytest.raises(InvalidCommand):
        services.case_assign(case_id=warning.pk, assignee_id=customer.pk, actor=Actor.reviewer(reviewer))
    with pytest.raises(NotPermitted):
        services.case_assign(case_id=warning.pk, assignee_id=auditor.pk, actor=Actor.reviewer(auditor))
    with pytest.raises(ConcurrencyError):
        services.case_assign(case_id=warning.pk, assignee_id=reviewer.pk, actor=Actor.reviewer(reviewer),
                             expected_version=0)
    services.warning_dismiss(warning_id=warning.pk, actor=Actor.reviewer(reviewer), reason="x")
    with pytest.raises(TransitionNotAllowed):
        services.case_assign(case_id=warning.pk, assignee_id=reviewer.pk, actor=Actor.reviewer(reviewer))
