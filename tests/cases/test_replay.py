"""`replay --verify` rebuilds the projections from the events and compares; `--rebuild` replaces."""

import pytest
from django.core.files.base import ContentFile

from cases import services
from cases.models import Appeal, Violation, Warning
from eventstore.actors import Actor
from tests.commands import run_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(raise_warning, record_violation, reviewer, colleague, as_merchant):
    warning = raise_warning()
    services.case_assign(case_id=warning.pk, assignee_id=reviewer.pk, actor=Actor.reviewer(reviewer))
    violation = record_violation()
    services.appeal_submit(violation_id=violation.pk, actor=as_merchant, statement="We refunded everyone.",
                           files=[ContentFile(b"%PDF-1.4 receipt", name="receipt.pdf")])
    services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(colleague), accept=False,
                           reasons="The refunds came after the window.")
    other = raise_warning(risk_point="negative_review_rate")
    services.warning_dismiss(warning_id=other.pk, actor=Actor.reviewer(reviewer), reason="Fake reviews.")
    return warning, violation


def test_replay_verify_passes_after_a_full_scenario(scenario):
    code, output = run_command("replay", "--verify")
    assert code == 0, output
    assert "projections match the events:" in output
    for count in ("1 violations", "2 warnings", "1 appeals", "1 appeal evidence"):
        assert count in output


def test_replay_verify_reports_a_projection_changed_behind_the_services(scenario):
    warning, violation = scenario
    Appeal.objects.filter(pk=violation.pk).update(reasons="Something else.")
    Warning.objects.filter(pk=warning.pk).update(assignee=None)
    Violation.objects.filter(pk=violation.pk).update(state="withdrawn")  # protected=True cannot stop this
    code, output = run_command("replay", "--verify")
    assert code == 1
    assert "state: live 'withdrawn' != replayed 'appeal_failed'" in output
    assert f"cases.Appeal {violation.pk}: differs from the events (reasons:" in output
    assert f"cases.Warning {warning.pk}: differs from the events (assignee_id:" in output


def test_replay_verify_reports_rows_missing_and_rows_without_events(scenario):
    warning, violation = scenario
    Warning.objects.filter(pk=warning.pk).delete()
    code, output = run_command("replay", "--verify")
    assert code == 1
    assert "in the events but missing from the live table" in output


def test_replay_rebuild_restores_identical_rows_with_the_same_keys(scenario):
    warning, violation = scenario
    before = {w.pk: (w.state, w.version, w.assignee_id, w.violation_id) for w in Warning.objects.all()}
    Appeal.objects.filter(pk=violation.pk).update(reasons="Something else.")
    Warning.objects.filter(pk=warning.pk).delete()
    code, output = run_command("replay", "--rebuild")
    assert code == 0, output
    assert {w.pk: (w.state, w.version, w.assignee_id, w.violation_id) for w in Warning.objects.all()} == before
    assert Appeal.objects.get(pk=violation.pk).reasons == "The refunds came after the window."
    assert Violation.objects.get(pk=violation.pk).state == "appeal_failed"
    assert run_command("replay", "--verify")[0] == 0
