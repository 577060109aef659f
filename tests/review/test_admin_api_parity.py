"""Admin and the reviewers' API allow and refuse exactly the same commands, for each group: one table,
each command run through both on twin cases (the same services and abilities rules decide)."""
import itertools

import pytest
from django.test import Client, TestCase

from cases import services
from cases.models import Violation, Warning
from enforcement import consumers
from enforcement.models import Penalty, PenaltyKind, PenaltyState
from eventstore.actors import Actor
from eventstore.consumers import drain

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


# command -> (target, admin POST data, API body)
CASE_TABLE = {
    "resolve": (open_warning, {"reason": "back under"}, {"reason": "back under"}),
    "dismiss": (open_warning, {"reason": "in error"}, {"reason": "in error"}),
    "assign": (open_warning, None, None),
    "withdraw": (pending_violation, {"reason": "in error"}, {"reason": "in error"}),
    "accept_appeal": (appealing_violation, {"reason": "convincing"}, {"reasons": "convincing"}),
    "reject_appeal": (appealing_violation, {"reason": "not convincing"}, {"reasons": "not convincing"}),
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
    admin.post(f"/admin/enforcement/penalty/{a_active.pk}/lift/", {"reason": "in error",
                                                                   "expected_version": a_active.version})
    api_lift = api.post(f"/api/v1/review/penalties/{b_active.pk}/lift/", {"reason": "in error"}, format="json")

    changed = {name: (Penalty.objects.get(pk=a.pk).version > a.version,
                      Penalty.objects.get(pk=b.pk).version > b.version)
               for name, a, b in (("approve", a_proposed, b_proposed), ("lift", a_active, b_active))}
    assert all(by_admin == by_api for by_admin, by_api in changed.values()), changed
    assert (api_approve.status_code == 200) == changed["approve"][1]
    assert (api_lift.status_code == 200) == changed["lift"][1]
    expected = {"reviewer": {"lift"}, "senior_reviewer": {"approve", "lift"}, "auditor": set(), None: set()}[group]
    assert {name for name, (by_admin, _) in changed.items() if by_admin} == expected
