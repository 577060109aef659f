"""The groups a migration creates: reviewer, senior_reviewer (thresholds too), auditor (read-only)."""
import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def _codes(name):
    return {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=name).permissions.all()}


def test_reviewers_work_cases_but_do_not_change_thresholds():
    codes = _codes("reviewer")
    assert {"cases.decide_appeal", "cases.withdraw_violation", "cases.dismiss_warning", "cases.resolve_warning",
            "cases.assign_case", "cases.open_case", "eventstore.view_event"} <= codes
    assert "cases.add_thresholdversion" not in codes
    assert {"cases.view_ruleparameterversion", "enforcement.view_policyversion"} <= codes
    assert not {"cases.add_ruleparameterversion", "enforcement.add_policyversion"} & codes


def test_senior_reviewers_also_add_reference_data_versions():
    assert _codes("senior_reviewer") == _codes("reviewer") | {
        "cases.add_thresholdversion", "cases.add_ruleparameterversion", "enforcement.add_policyversion"}


def test_auditors_only_read_and_read_the_events_too():
    codes = _codes("auditor")
    assert {"eventstore.view_event", "cases.view_violation", "cases.view_appeal", "cases.view_warning"} <= codes
    assert all(code.split(".")[1].startswith("view_") for code in codes)
