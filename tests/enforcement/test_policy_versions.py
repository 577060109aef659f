"""The penalty policy is reference data: a version (with its steps) is added through policy_version_add,
applies from its day, is recorded as an event, and cannot be changed or deleted in admin."""
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from enforcement import services
from enforcement.models import DEFAULT_SEVERITY_ORDER, Penalty, PenaltyKind, PolicyStep, PolicyVersion
from enforcement.policy import InvalidPolicy, policy_in_force, policy_version_add
from eventstore.actors import SYSTEM, Actor
from eventstore.errors import NotPermitted
from eventstore.store import read
from tests.notice import recorded_ahead_of

from .conftest import make_user

pytestmark = pytest.mark.django_db

HARSH = [{"number": 1, "kind": "throttling", "duration_days": 30, "traffic_weight": "0.5"},
         {"number": 2, "kind": "store_removal", "duration_days": None, "traffic_weight": "0"}]


def test_the_shipped_default_ladder_is_in_force_and_has_its_event():
    policy = policy_in_force(date(2026, 6, 30))
    assert [(s.number, s.kind, s.duration_days, s.traffic_weight, s.fallback_kind) for s in policy.steps.all()] == [
        (1, "public_warning", 7, Decimal("1"), ""), (2, "restricted_promotion", 14, Decimal("1"), ""),
        (3, "throttling", 30, Decimal("0.5"), ""), (4, "product_ban", 60, Decimal("0.5"), "throttling"),
        (5, "store_removal", None, Decimal("0"), ""),
    ]
    (event,) = read("policy-ladder")
    assert event.data["policy_version_id"] == policy.pk
    assert [s["id"] for s in event.data["steps"]] == list(policy.steps.values_list("pk", flat=True))


def test_a_version_applies_from_its_day_not_before(record):
    record()
    today = timezone.localdate()
    shipped = policy_in_force(today)
    harsh = policy_version_add(effective_from=today + timedelta(days=7), steps=HARSH, actor=SYSTEM)
    first = Penalty.objects.get()
    assert (first.kind, first.policy_version_id) == (PenaltyKind.PUBLIC_WARNING, shipped.pk)
    services.merchant_restep(merchant_id="m1", now=timezone.now() + timedelta(days=6))
    assert Penalty.objects.get(state="active").pk == first.pk
    # A week later the ladder is the harsh one: re-stepping puts the standing violation on its first step.
    services.merchant_restep(merchant_id="m1", now=timezone.now() + timedelta(days=7))
    tomorrow = Penalty.objects.get(state="active")
    assert (tomorrow.kind, tomorrow.duration_days, tomorrow.traffic_weight, tomorrow.policy_version_id) == (
        PenaltyKind.THROTTLING, 30, Decimal("0.5"), harsh.pk)


def test_a_penalty_cites_the_version_in_force_when_it_was_decided(record):
    today = timezone.localdate()
    with recorded_ahead_of(today):
        harsh = policy_version_add(effective_from=today, steps=HARSH, actor=SYSTEM)
    record()
    penalty = Penalty.objects.get()
    assert (penalty.kind, penalty.policy_version_id) == (PenaltyKind.THROTTLING, harsh.pk)


def test_adding_a_version_records_it_and_its_steps_with_their_ids(senior):
    with recorded_ahead_of(date(2026, 7, 1)):
        version = policy_version_add(effective_from=date(2026, 7, 1), window_days=60, clustered_ban_at=8,
                                     steps=HARSH, actor=Actor.reviewer(senior), note="stricter")
    shipped, event = read("policy-ladder")
    steps = list(version.steps.all())
    assert (event.type, event.version, event.actor) == ("policy.version_added", 2, Actor.reviewer(senior))
    assert event.data == {
        "v": 1, "policy_version_id": version.pk, "effective_from": "2026-07-01", "window_days": 60,
        "clustered_ban_at": 8, "note": "stricter",
        "steps": [
            {"id": steps[0].pk, "number": 1, "kind": "throttling", "duration_days": 30, "traffic_weight": "0.50",
             "fallback_kind": ""},
            {"id": steps[1].pk, "number": 2, "kind": "store_removal", "duration_days": None, "traffic_weight": "0.00",
             "fallback_kind": ""},
        ],
        "product_steps": [  # the shipped product ladder when none is given
            {"number": 1, "kind": "product_restriction", "duration_days": 30, "traffic_weight": "0.50"},
            {"number": 2, "kind": "product_ban", "duration_days": 60, "traffic_weight": "0.00"},
        ],
        "protective_review_hours": 24,
        "severity_order": ["clustered_complaints", "service_not_provided", "merchant_refund_rate", "complaint_rate",
                           "negative_review_rate", "public_opinion", "related_entity", "other"],
        "changes": version.changes, "impact": version.impact,
    }
    assert {c["field"] for c in version.changes} >= {"window_days", "clustered_ban_at", "steps[1].kind"}
    assert all(c["stricter"] for c in version.changes if c["field"] != "window_days")
    assert version.product_steps == event.data["product_steps"]


@pytest.mark.parametrize(("change", "field"), [
    ({"effective_from": "2026-07-01"}, "effective_from"),
    ({"effective_from": date(2000, 1, 1)}, "effective_from"),  # the shipped default's day
    ({"window_days": 0}, "window_days"),
    ({"clustered_ban_at": None}, "clustered_ban_at"),
    ({"steps": []}, "steps"),
    ({"steps": [{**HARSH[0], "number": 2}]}, "steps"),
    ({"steps": [{**HARSH[0], "number": True}]}, "steps[0].number"),
    ({"steps": [{**HARSH[0], "kind": "fine"}]}, "steps[0].kind"),
    ({"steps": [HARSH[0], {**HARSH[1], "traffic_weight": "1.5"}]}, "steps[1].traffic_weight"),
    ({"steps": [{**HARSH[0], "traffic_weight": "0.333"}]}, "steps[0].traffic_weight"),
    ({"steps": [{**HARSH[0], "duration_days": 0}]}, "steps[0].duration_days"),
    ({"steps": [{**HARSH[0], "fallback_kind": "product_ban"}]}, "steps[0].fallback_kind"),
])
def test_a_bad_version_is_refused_with_the_field_that_is_wrong(change, field):
    before = PolicyVersion.objects.count(), PolicyStep.objects.count(), len(read("policy-ladder"))
    with pytest.raises(InvalidPolicy) as refused:
        policy_version_add(**{"effective_from": date(2026, 7, 1), "steps": HARSH, **change}, actor=SYSTEM)
    assert list(refused.value.message_dict) == [field]
    assert (PolicyVersion.objects.count(), PolicyStep.objects.count(), len(read("policy-ladder"))) == before


def test_a_reviewer_without_the_permission_is_refused(reviewer):
    with pytest.raises(NotPermitted):
        policy_version_add(effective_from=date(2026, 7, 1), steps=HARSH, actor=Actor.reviewer(reviewer))
    assert len(read("policy-ladder")) == 1


def _admin_form(**version):
    data = {"effective_from": "2026-07-01", "window_days": "90", "clustered_ban_at": "10", "note": "",
            "protective_review_hours": "24", "severity_order": json.dumps(list(DEFAULT_SEVERITY_ORDER)),
            "steps-TOTAL_FORMS": "5", "steps-INITIAL_FORMS": "0", "steps-MIN_NUM_FORMS": "0",
            "steps-MAX_NUM_FORMS": "1000"}
    for i in range(len(HARSH), 5):  # the empty extra rows, as a browser posts them
        data[f"steps-{i}-traffic_weight"] = "1"
    for i, step in enumerate(HARSH):
        data.update({f"steps-{i}-number": str(step["number"]), f"steps-{i}-kind": step["kind"],
                     f"steps-{i}-duration_days": step["duration_days"] or "",
                     f"steps-{i}-traffic_weight": step["traffic_weight"], f"steps-{i}-fallback_kind": ""})
    return {**data, **version}


def test_a_senior_reviewer_adds_a_version_with_its_steps_in_admin(client, senior, reviewer):
    url = reverse("admin:enforcement_policyversion_add")
    client.force_login(reviewer)
    assert client.get(url).status_code == 403
    assert client.post(url, _admin_form()).status_code == 403
    client.force_login(senior)
    assert client.get(url).status_code == 200
    bad = client.post(url, _admin_form(**{"steps-1-traffic_weight": "2"}))
    assert bad.status_code == 200 and "traffic_weight must be a decimal from 0 to 1" in bad.content.decode()
    assert not PolicyVersion.objects.filter(effective_from=date(2026, 7, 1)).exists()
    too_soon = client.post(url, _admin_form())  # a harsher ladder dated in the past
    assert too_soon.status_code == 200 and "at least 7 days before it applies" in too_soon.content.decode()
    with recorded_ahead_of(date(2026, 7, 1)):
        client.force_login(senior)
        preview = client.post(url, _admin_form())
        assert preview.status_code == 200 and "Preview, not recorded yet." in preview.content.decode()
        assert 'class="errornote"' not in preview.content.decode()  # a preview, not an error
        assert not PolicyVersion.objects.filter(effective_from=date(2026, 7, 1)).exists()
        response = client.post(url, _admin_form(preview=preview.context["adminform"].form["preview"].value()))
    assert response.status_code == 302, response.content.decode()[:3000]
    version = PolicyVersion.objects.get(effective_from=date(2026, 7, 1))
    assert list(version.steps.values_list("number", "kind", "traffic_weight")) == [
        (1, "throttling", Decimal("0.5")), (2, "store_removal", Decimal("0"))]
    assert read("policy-ladder")[-1].actor == Actor.reviewer(senior)


def test_nobody_changes_or_deletes_a_policy_version_in_admin(client):
    superuser = make_user("root", group="senior_reviewer")
    superuser.is_superuser = True
    superuser.save()
    policy = PolicyVersion.objects.get()
    steps = list(policy.steps.values_list("pk", "kind"))
    client.force_login(superuser)
    change = reverse("admin:enforcement_policyversion_change", args=[policy.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # a read-only view
    posted = client.post(change, {"effective_from": "2001-01-01", "window_days": "1", "clustered_ban_at": "1"})
    assert posted.status_code == 403
    assert client.post(reverse("admin:enforcement_policyversion_delete", args=[policy.pk]),
                       {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:enforcement_policyversion_changelist"),
                       {"action": "delete_selected", "_selected_action": [policy.pk], "post": "yes"}).status_code == 200
    policy.refresh_from_db()
    assert (policy.effective_from, policy.window_days) == (date(2000, 1, 1), 90)
    assert list(policy.steps.values_list("pk", "kind")) == steps
