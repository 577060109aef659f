"""Admin and the reviewers' API allow and refuse exactly the same commands, for each group: one table,
each command run through both on twin cases (the same services and abilities rules decide)."""
import itertools
import json
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client, TestCase

from cases import services
from cases.models import RuleParameterVersion, ThresholdVersion, Violation, Warning
from enforcement import consumers
from enforcement.models import DEFAULT_SEVERITY_ORDER, Penalty, PenaltyKind, PenaltyState, PolicyVersion
from eventstore.actors import Actor
from eventstore.consumers import drain
from eventstore.store import read
from tests.notice import recorded_ahead_of

from .conftest import knox_client, make_user

GROUPS = ["reviewer", "senior_reviewer", "auditor", None]
_products = itertools.count()


def _judgement(**overrides):
    from tests.cases.conftest import judgement

    return judgement(product_id=f"p-{next(_products)}", **overrides)


def open_warning():
    return services.warning_raise(**_judgement(value="0.045", threshold="0.04"))


def pending_violation():
    return services.violation_record(**_judgement())


def appealing_violation():
    violation = pending_violation()
    services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant(violation.merchant_id), statement="not us")
    return Violation.objects.get(pk=violation.pk)


NOTE = "internal: checked the call recordings"
# command -> (target, admin POST data, API body); admin's reason forms carry an internal note, so does the API
CASE_TABLE = {
    "resolve": (open_warning, {"reason": "back under", "internal_note": NOTE},
                {"reason": "back under", "internal_note": NOTE}),
    "dismiss": (open_warning, {"reason": "in error", "internal_note": NOTE}, {"reason": "in error", "internal_note": NOTE}),
    "assign": (open_warning, None, None),
    "withdraw": (pending_violation, {"reason": "in error", "internal_note": NOTE},
                 {"reason": "in error", "internal_note": NOTE}),
    "accept_appeal": (appealing_violation, {"reason": "convincing", "internal_note": NOTE},
                      {"reasons": "convincing", "internal_note": NOTE}),
    "reject_appeal": (appealing_violation, {"reason": "not convincing", "internal_note": NOTE},
                      {"reasons": "not convincing", "internal_note": NOTE}),
}
MAY = {"reviewer": set(CASE_TABLE), "senior_reviewer": set(CASE_TABLE), "auditor": set(), None: set()}


def _reload(case):
    return type(case).objects.get(pk=case.pk)


def _admin(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("group", GROUPS)
def test_admin_and_api_allow_the_same_case_commands(group, merchant):
    user = make_user(f"user-{group}", *([group] if group else []))
    admin, api = _admin(user), knox_client(user)
    outcome = {}
    for command, (target, admin_data, api_body) in CASE_TABLE.items():
        via_admin, via_api = target(), target()
        kind = "warning" if isinstance(via_admin, Warning) else "violation"
        form = {"transition": command, "expected_version": via_admin.version}
        form.update(admin_data or {"assignee": user.pk})
        admin.post(f"/admin/cases/{kind}/{via_admin.pk}/act/", form)
        body = dict(api_body or {"assignee_id": user.pk}, expected_version=via_api.version)
        response = api.post(f"/api/v1/review/cases/{via_api.pk}/{command.replace('_', '-')}/", body, format="json")
        assert response.status_code in (200, 403, 409), response.content
        outcome[command] = (_reload(via_admin).version > via_admin.version,
                            _reload(via_api).version > via_api.version, response.status_code == 200)
        if admin_data and outcome[command][0] and outcome[command][1]:  # the note is kept alike, for reviewers
            notes = [read(case.stream)[-1].data.get("internal_note") for case in (via_admin, via_api)]
            assert notes == [NOTE, NOTE], (command, notes)

    assert {c for c, (by_admin, _, _) in outcome.items() if by_admin} == MAY[group]
    assert {c for c, (_, by_api, _) in outcome.items() if by_api} == MAY[group]
    assert {c for c, (_, _, ok) in outcome.items() if ok} == MAY[group]


def _drain():
    with TestCase.captureOnCommitCallbacks(execute=True):
        drain([consumers.VIOLATIONS])


def _penalties_of(merchant_id):
    from tests.factories import MerchantFactory

    MerchantFactory(merchant_id=merchant_id)
    from datetime import timedelta

    from tests.cases.conftest import WINDOW

    for i in range(5):  # the ladder: public warning ... store removal (proposed, two seniors)
        shift = timedelta(days=40 * i)
        # A store-level violation (no product): product violations climb their product's own ladder.
        services.violation_record(**{**_judgement(merchant_id=merchant_id, window_start=WINDOW["window_start"] + shift,
                                                  window_end=WINDOW["window_end"] + shift,
                                                  as_of=WINDOW["as_of"] + shift), "product_id": ""})
        _drain()
    active = Penalty.objects.filter(merchant_id=merchant_id, state=PenaltyState.ACTIVE,
                                    kind=PenaltyKind.PUBLIC_WARNING).first()
    proposed = Penalty.objects.filter(merchant_id=merchant_id, state=PenaltyState.PROPOSED).first()
    return active, proposed


@pytest.mark.parametrize("group", GROUPS)
def test_admin_and_api_allow_the_same_penalty_commands(group, merchant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = make_user(f"user-{group}", *([group] if group else []))
    admin, api = _admin(user), knox_client(user)
    a_active, a_proposed = _penalties_of(f"ma-{group}")
    b_active, b_proposed = _penalties_of(f"mb-{group}")
    assert None not in (a_active, a_proposed, b_active, b_proposed)

    admin.post(f"/admin/enforcement/penalty/{a_proposed.pk}/approve/", {"expected_version": a_proposed.version})
    api_approve = api.post(f"/api/v1/review/penalties/{b_proposed.pk}/approve/", {}, format="json")
    admin.post(f"/admin/enforcement/penalty/{a_active.pk}/lift/", {"reason": "in error", "internal_note": NOTE,
                                                                   "expected_version": a_active.version})
    api_lift = api.post(f"/api/v1/review/penalties/{b_active.pk}/lift/",
                        {"reason": "in error", "internal_note": NOTE, "expected_version": b_active.version},
                        format="json")

    changed = {name: (Penalty.objects.get(pk=a.pk).version > a.version,
                      Penalty.objects.get(pk=b.pk).version > b.version)
               for name, a, b in (("approve", a_proposed, b_proposed), ("lift", a_active, b_active))}
    assert all(by_admin == by_api for by_admin, by_api in changed.values()), changed
    assert (api_approve.status_code == 200) == changed["approve"][1]
    assert (api_lift.status_code == 200) == changed["lift"][1]
    expected = {"reviewer": {"lift"}, "senior_reviewer": {"approve", "lift"}, "auditor": set(), None: set()}[group]
    assert {name for name, (by_admin, _) in changed.items() if by_admin} == expected
    if "lift" in expected:
        assert [read(p.stream)[-1].data["internal_note"] for p in (a_active, b_active)] == [NOTE, NOTE]


def _protective_ban(merchant_id):
    """A severity ban (10 clustered complaints on a product), imposed at once and awaiting confirmation."""
    from tests.factories import MerchantFactory

    MerchantFactory(merchant_id=merchant_id)
    services.violation_record(**_judgement(merchant_id=merchant_id, risk_point="clustered_complaints",
                                           value="10", threshold="10"))
    _drain()
    return Penalty.objects.get(merchant_id=merchant_id, protective=True)


def _serious_case(merchant_id):
    """A standing violation opened by hand (public opinion), on which a reviewer may propose any step."""
    from tests.factories import MerchantFactory

    MerchantFactory(merchant_id=merchant_id)
    return services.case_open_by_hand(merchant_id=merchant_id, risk_point="public_opinion",
                                      actor=Actor.service("opinion-monitor"), evidence_text="viral video")


@pytest.mark.parametrize("group", GROUPS)
def test_admin_and_api_allow_the_same_confirmation_and_discretionary_penalty(group, merchant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = make_user(f"user-{group}", *([group] if group else []))
    admin, api = _admin(user), knox_client(user)
    a_ban, b_ban = _protective_ban(f"ca-{group}"), _protective_ban(f"cb-{group}")
    a_case, b_case = _serious_case(f"pa-{group}"), _serious_case(f"pb-{group}")

    admin.post(f"/admin/enforcement/penalty/{a_ban.pk}/confirm/", {"expected_version": a_ban.version})
    api_confirm = api.post(f"/api/v1/review/penalties/{b_ban.pk}/confirm/", {"expected_version": b_ban.version},
                           format="json")
    proposal = {"step": 2, "statement": "Serious public harm.", "internal_note": NOTE}
    admin.post("/admin/enforcement/penalty/propose/", {"violation": a_case.pk, **proposal})
    api_propose = api.post("/api/v1/review/penalties/propose/",
                           {"violation_id": str(b_case.pk), "expected_version": b_case.version, **proposal},
                           format="json")

    confirmed = [Penalty.objects.get(pk=p.pk).confirmed_by == user.pk for p in (a_ban, b_ban)]
    proposed = [Penalty.objects.filter(discretionary=True, merchant_id=c.merchant_id).exists() for c in (a_case, b_case)]
    changed = {"confirm": confirmed, "propose": proposed}
    assert all(by_admin == by_api for by_admin, by_api in changed.values()), changed
    assert (api_confirm.status_code == 200) == confirmed[1], api_confirm.content
    assert (api_propose.status_code == 201) == proposed[1], api_propose.content
    expected = {"reviewer": {"confirm", "propose"}, "senior_reviewer": {"confirm", "propose"}, "auditor": set(),
                None: set()}[group]
    assert {name for name, (by_admin, _) in changed.items() if by_admin} == expected
    if expected:
        for case in (a_case, b_case):
            penalty = Penalty.objects.get(discretionary=True, merchant_id=case.merchant_id)
            assert (penalty.step, penalty.kind, penalty.state) == (2, PenaltyKind.RESTRICTED_PROMOTION,
                                                                   PenaltyState.ACTIVE)
            assert read(penalty.stream)[0].data["internal_note"] == NOTE
        assert api_propose.json()["penalty"]["step"] == 2


def _policy_admin_form(effective_from):
    data = {"effective_from": effective_from, "window_days": "90", "clustered_ban_at": "10", "note": "",
            "protective_review_hours": "24", "severity_order": json.dumps(list(DEFAULT_SEVERITY_ORDER)),
            "steps-TOTAL_FORMS": "2", "steps-INITIAL_FORMS": "0", "steps-MIN_NUM_FORMS": "0",
            "steps-MAX_NUM_FORMS": "1000"}
    for i, (kind, days, weight) in enumerate((("throttling", "30", "0.5"), ("store_removal", "", "0"))):
        data.update({f"steps-{i}-number": str(i + 1), f"steps-{i}-kind": kind, f"steps-{i}-duration_days": days,
                     f"steps-{i}-traffic_weight": weight, f"steps-{i}-fallback_kind": ""})
    return data


PARAMETERS = {"clustered_window_days": 3, "clustered_warn_at": 6, "clustered_limit": 12, "unserved_window_days": 7,
              "unserved_limit": 3, "related_lookback_days": 90, "product_min_orders": 20}
# version -> (admin add URL, admin form for a day, API path, API body for a day, the rows of that day)
VERSION_TABLE = {
    "thresholds": (
        "/admin/cases/thresholdversion/add/",
        lambda day: {"category": "food", "risk_point": "complaint_rate", "limit": "0.045000", "warn_at": "",
                     "window_days": "30", "min_orders": "30", "effective_from": day, "note": ""},
        "thresholds/",
        lambda day: {"category": "food", "risk_point": "complaint_rate", "limit": "0.045000", "effective_from": day},
        lambda day: ThresholdVersion.objects.filter(effective_from=day)),
    "rule_parameters": (
        "/admin/cases/ruleparameterversion/add/",
        lambda day: {"category": "retail", **PARAMETERS, "effective_from": day, "note": ""},
        "rule-parameters/",
        lambda day: {"category": "retail", **PARAMETERS, "effective_from": day},
        lambda day: RuleParameterVersion.objects.filter(effective_from=day)),
    "policy": (
        "/admin/enforcement/policyversion/add/", _policy_admin_form, "policy/",
        lambda day: {"effective_from": day, "steps": [
            {"kind": "throttling", "duration_days": 30, "traffic_weight": "0.5"},
            {"kind": "store_removal", "duration_days": None, "traffic_weight": "0"}]},
        lambda day: PolicyVersion.objects.filter(effective_from=day)),
}


def _admin_add(admin, url, form):
    """Admin's add form with its preview step: the first submission shows the impact, the second (with the
    preview's digest) records; a user refused at the first gets no second."""
    preview = admin.post(url, form)
    if preview.status_code == 200 and preview.context and "adminform" in preview.context:
        admin.post(url, {**form, "preview": preview.context["adminform"].form["preview"].value()})


@pytest.mark.parametrize("group", GROUPS)
def test_admin_and_api_allow_the_same_reference_data_versions(group, db):
    user = make_user(f"user-{group}", *([group] if group else []))
    admin, api = _admin(user), knox_client(user)
    added = {}
    for name, (admin_url, admin_form, api_path, api_body, rows) in VERSION_TABLE.items():
        with recorded_ahead_of(date(2026, 7, 1)):  # stricter than the shipped versions: 7 days' notice
            _admin_add(admin, admin_url, admin_form("2026-07-01"))
            response = api.post(f"/api/v1/review/{api_path}", api_body("2026-07-02"), format="json",
                                HTTP_IDEMPOTENCY_KEY=f"{name}-1")
        assert response.status_code in (201, 403), response.content
        added[name] = (rows("2026-07-01").exists(), rows("2026-07-02").exists(), response.status_code == 201)

    may = {"senior_reviewer": set(VERSION_TABLE)}.get(group, set())
    for column in range(3):
        assert {name for name, outcome in added.items() if outcome[column]} == may, added
    if may:  # the same version, whichever way it came in
        policies = [list(rows.get().steps.values_list("number", "kind", "duration_days", "traffic_weight"))
                    for rows in (PolicyVersion.objects.filter(effective_from=d) for d in ("2026-07-01", "2026-07-02"))]
        assert policies[0] == policies[1] == [(1, "throttling", 30, Decimal("0.5")), (2, "store_removal", None, 0)]
        parameters = [RuleParameterVersion.objects.filter(effective_from=d).values(*PARAMETERS).get()
                      for d in ("2026-07-01", "2026-07-02")]
        assert parameters[0] == parameters[1] == PARAMETERS
