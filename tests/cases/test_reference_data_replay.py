"""Thresholds, rule parameters and the penalty policy are rebuilt by replay from their events, and the data
migrations gave every version written without an event (the shipped defaults) its event."""
import importlib
from datetime import date
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases.models import RuleParameterVersion, ThresholdVersion
from cases.thresholds import rule_parameters_version_add, threshold_version_add
from enforcement.models import PolicyStep, PolicyVersion
from enforcement.policy import policy_version_add
from eventstore.actors import SYSTEM, Actor
from eventstore.audit import verify_chains
from eventstore.models import Event
from eventstore.store import append, read
from tests.commands import run_command
from tests.notice import recorded_ahead_of

pytestmark = pytest.mark.django_db
STEPS = [{"number": 1, "kind": "restricted_promotion", "duration_days": 10, "traffic_weight": "1"},
         {"number": 2, "kind": "product_ban", "duration_days": 30, "traffic_weight": "0.25",
          "fallback_kind": "throttling"}]


def _rows():
    return {
        model: {row.pk: {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields
                         if f.name != "created_at"} for row in model.objects.all()}
        for model in (ThresholdVersion, RuleParameterVersion, PolicyVersion, PolicyStep)
    }


@pytest.fixture
def added(senior):
    reviewer_actor = Actor.reviewer(senior)
    with recorded_ahead_of(date(2026, 7, 1)):
        threshold = threshold_version_add(category="food", risk_point="complaint_rate", limit="0.045",
                                          effective_from=date(2026, 7, 1), actor=reviewer_actor, note="tighter")
        parameters = rule_parameters_version_add(category="retail", clustered_limit=12, unserved_window_days=5,
                                                 effective_from=date(2026, 7, 1), actor=reviewer_actor)
        policy = policy_version_add(effective_from=date(2026, 7, 1), window_days=60, steps=STEPS, actor=SYSTEM)
    return threshold, parameters, policy


def _verify_rebuilds_every_version():
    code, output = run_command("replay", "--verify")
    assert code == 0, output
    for count in ("19 threshold versions", "7 rule parameters versions", "2 penalty policy versions",
                  "7 policy steps"):
        assert count in output


def test_replay_verify_rebuilds_thresholds_parameters_and_policy(added):
    _verify_rebuilds_every_version()


@pytest.mark.postgres
def test_replay_verify_rebuilds_thresholds_parameters_and_policy_on_postgresql(added):
    _verify_rebuilds_every_version()


def test_replay_verify_reports_a_version_changed_or_deleted_behind_the_services(added):
    threshold, parameters, policy = added
    ThresholdVersion.objects.filter(pk=threshold.pk).update(limit="0.09")
    RuleParameterVersion.objects.filter(pk=parameters.pk).update(clustered_limit=99)
    step = policy.steps.get(number=2)
    PolicyStep.objects.filter(pk=step.pk).delete()
    code, output = run_command("replay", "--verify")
    assert code == 1
    assert f"cases.ThresholdVersion {threshold.pk}: differs from the events (limit:" in output
    assert f"cases.RuleParameterVersion {parameters.pk}: differs from the events (clustered_limit:" in output
    assert f"enforcement.PolicyStep {step.pk}: in the events but missing from the live table" in output


def test_replay_rebuild_restores_identical_versions_with_the_same_keys(added):
    threshold, parameters, policy = added
    before = _rows()
    ThresholdVersion.objects.filter(pk=threshold.pk).update(note="edited in place")
    RuleParameterVersion.objects.filter(pk=parameters.pk).delete()
    PolicyStep.objects.filter(policy=policy).delete()
    code, output = run_command("replay", "--rebuild")
    assert code == 0, output
    assert _rows() == before
    assert run_command("replay", "--verify")[0] == 0


def test_every_shipped_default_has_exactly_one_event_carrying_its_key():
    def keys(event_type, field):
        return sorted(e.data[field] for e in read() if e.type == event_type)

    assert keys("threshold.version_added", "threshold_version_id") == sorted(
        ThresholdVersion.objects.values_list("pk", flat=True))
    assert len(keys("threshold.version_added", "threshold_version_id")) == 18
    assert keys("rule_parameters.version_added", "rule_parameters_version_id") == sorted(
        RuleParameterVersion.objects.values_list("pk", flat=True))
    assert keys("policy.version_added", "policy_version_id") == list(PolicyVersion.objects.values_list("pk", flat=True))
    for event in read(streams=["threshold:food:complaint_rate", "rule_parameters-food", "policy-ladder"]):
        assert event.actor == SYSTEM and event.version == 1
    assert verify_chains() == []
    assert run_command("replay", "--verify")[0] == 0


def _run_backfills():
    """The two data migrations' functions, on the historical models of their migration state."""
    state = MigrationExecutor(connection).loader.project_state(
        [("cases", "0008_reference_data_events"), ("enforcement", "0006_policy_events")])
    editor = SimpleNamespace(connection=connection)
    importlib.import_module("cases.migrations.0008_reference_data_events").forwards(state.apps, editor)
    importlib.import_module("enforcement.migrations.0006_policy_events").forwards(state.apps, editor)


def test_the_backfill_gives_an_event_to_each_version_without_one_and_rewrites_nothing(reviewer):
    # As the previous schema left a database: rows written without events (seeded, or edited in admin),
    # and a threshold version added by the old service, whose event was built from a dict.
    bare_threshold = ThresholdVersion.objects.create(
        category="beauty", risk_point="complaint_rate", limit="0.035", warn_at="0.028", effective_from=date(2026, 1, 1),
        created_by=reviewer, note="added before the events")
    legacy = ThresholdVersion.objects.create(category="beauty", risk_point="complaint_rate", limit="0.03",
                                             warn_at="0.024", effective_from=date(2026, 3, 1))
    append("threshold:beauty:complaint_rate", "threshold.version_added", {
        "v": 1, "threshold_version_id": legacy.pk, "category": "beauty", "risk_point": "complaint_rate",
        "limit": "0.03", "warn_at": "0.024", "window_days": 30, "min_orders": 30, "effective_from": "2026-03-01",
        "note": "",
    }, actor=SYSTEM)
    bare_parameters = RuleParameterVersion.objects.create(category="food", clustered_limit=8,
                                                          effective_from=date(2026, 2, 1))
    bare_policy = PolicyVersion.objects.create(effective_from=date(2026, 2, 1), window_days=30, clustered_ban_at=6)
    PolicyStep.objects.create(policy=bare_policy, number=1, kind="throttling", duration_days=5, traffic_weight="0.5")
    assert run_command("replay", "--verify")[0] == 1  # rows without events
    log_before = [(e.position, e.hash) for e in read()]

    _run_backfills()
    _run_backfills()  # a second run finds nothing left to do

    log_after = read()
    assert [(e.position, e.hash) for e in log_after[:len(log_before)]] == log_before
    added = log_after[len(log_before):]
    assert [(e.type, e.stream, e.version) for e in added] == [
        ("threshold.version_added", "threshold:beauty:complaint_rate", 3),
        ("rule_parameters.version_added", "rule_parameters-food", 2),
        ("policy.version_added", "policy-ladder", 2),
    ]
    assert added[0].data["threshold_version_id"] == bare_threshold.pk
    assert added[0].actor == Actor.reviewer(reviewer)
    assert added[1].data["rule_parameters_version_id"] == bare_parameters.pk
    assert [s["kind"] for s in added[2].data["steps"]] == ["throttling"]
    assert Event.objects.filter(type="threshold.version_added", data__threshold_version_id=legacy.pk).count() == 1
    assert verify_chains() == []
    code, output = run_command("replay", "--verify")
    assert code == 0, output
