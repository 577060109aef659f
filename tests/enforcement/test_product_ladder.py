"""A product violation (a rate rule's judgement of one product, contract section 7) restricts that product,
not the store: its own ladder (restriction, then a ban a reviewer confirms), in the restrictions document's
`product_restrictions`, sent to webhooks, lifted and re-stepped like the rest."""
from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from cases import services as case_services
from enforcement import services, tasks
from enforcement.models import Penalty, PenaltyKind, PenaltyState, Restriction, WebhookEndpoint
from enforcement.policy import InvalidPolicy, policy_version_add
from eventstore.actors import SYSTEM, Actor
from tests.enforcement.receiver import SECRET
from tests.factories import ServiceTokenFactory
from tests.notice import recorded_ahead_of

from .conftest import drain_consumer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_documents_of_other_tests():
    """The restrictions cache outlives a test's rolled-back rows (positions restart): start each test empty."""
    from django.core.cache import cache

    cache.clear()

UNRESTRICTED_STORE = {"public_warning": False, "can_match_creators": True, "can_advertise": True,
                      "can_join_campaigns": True, "traffic_weight": "1.00", "removed": False}


def document(client, merchant_id="m1"):
    token = ServiceTokenFactory()
    return client.get(f"/api/v1/restrictions/{merchant_id}/", HTTP_AUTHORIZATION=f"Bearer {token.raw}").json()


def test_a_product_violation_restricts_only_its_product(client, record):
    record(product_id="p1")
    penalty = Penalty.objects.get()
    assert (penalty.kind, penalty.product_id, penalty.step, penalty.state, penalty.duration_days) == (
        PenaltyKind.PRODUCT_RESTRICTION, "p1", 1, PenaltyState.ACTIVE, 30)
    body = document(client)
    assert {k: body[k] for k in UNRESTRICTED_STORE} == UNRESTRICTED_STORE
    assert body["banned_products"] == []
    assert body["product_restrictions"] == [
        {"product_id": "p1", "can_match_creators": False, "traffic_weight": "0.50", "banned": False}]
    assert [(m["kind"], m["product_id"]) for m in body["measures"]] == [("product_restriction", "p1")]


def test_product_violations_do_not_climb_the_store_ladder(record):
    for product_id in ("p1", "p2", "p3"):
        record(product_id=product_id)
    record()  # the store's first violation
    store = Penalty.objects.get(product_id="")
    assert (store.kind, store.step) == (PenaltyKind.PUBLIC_WARNING, 1)
    assert sorted(Penalty.objects.filter(kind=PenaltyKind.PRODUCT_RESTRICTION).values_list("product_id", flat=True)) \
        == ["p1", "p2", "p3"]


def test_a_second_violation_of_the_product_bans_it_once_a_reviewer_confirms(client, record, reviewer,
                                                                           django_capture_on_commit_callbacks):
    record(product_id="p1")
    record(risk_point="negative_review_rate", product_id="p1")
    ban = Penalty.objects.get(kind=PenaltyKind.PRODUCT_BAN)
    assert (ban.product_id, ban.step, ban.state) == ("p1", 2, PenaltyState.PROPOSED)
    # not before the reviewer confirms
    assert Restriction.objects.get(merchant_id="m1").product_restrictions[0]["banned"] is False
    with django_capture_on_commit_callbacks(execute=True):  # the cached document is replaced on commit
        services.penalty_approve(penalty_id=ban.pk, reviewer=reviewer)
    body = document(client)
    assert body["product_restrictions"] == [
        {"product_id": "p1", "can_match_creators": False, "traffic_weight": "0.00", "banned": True}]
    assert body["banned_products"] == ["p1"]
    assert {k: body[k] for k in UNRESTRICTED_STORE} == UNRESTRICTED_STORE


def test_overturning_the_first_re_steps_the_product(client, record, reviewer):
    first = record(product_id="p1")
    record(risk_point="negative_review_rate", product_id="p1")
    case_services.violation_withdraw(violation_id=first.pk, actor=Actor.reviewer(reviewer), reason="error")
    drain_consumer()
    live = Penalty.objects.filter(state__in=[PenaltyState.PROPOSED, PenaltyState.ACTIVE])
    assert [(p.kind, p.step, p.state) for p in live] == [
        (PenaltyKind.PRODUCT_RESTRICTION, 1, PenaltyState.ACTIVE)]  # the one that stands is the first again
    assert document(client)["product_restrictions"] == [
        {"product_id": "p1", "can_match_creators": False, "traffic_weight": "0.50", "banned": False}]
    assert services.merchant_restep(merchant_id="m1") == 0  # and it stays so


def test_webhooks_carry_the_product_restrictions(receiver, record):
    WebhookEndpoint.objects.create(name="ads", url=receiver["url"], secret=SECRET)
    record(product_id="p1")
    now = timezone.now()
    with time_machine.travel(now + timedelta(minutes=1), tick=False):
        tasks.deliver_webhooks()
    last = receiver["received"][-1]["restrictions"]
    assert last["product_restrictions"] == [
        {"product_id": "p1", "can_match_creators": False, "traffic_weight": "0.50", "banned": False}]


def test_the_product_ladder_is_configured_in_the_policy_version(record, senior):
    today = timezone.localdate()
    with recorded_ahead_of(today):
        policy_version_add(effective_from=today, actor=Actor.reviewer(senior), steps=[
            {"number": 1, "kind": "public_warning", "duration_days": 7}],
            product_steps=[{"number": 1, "kind": "product_restriction", "duration_days": 10,
                            "traffic_weight": "0.25"}])
    record(product_id="p1")
    record(product_id="p1")
    assert sorted(Penalty.objects.values_list("kind", "step", "duration_days", "traffic_weight")) == [
        ("product_restriction", 1, 10, 0.25), ("product_restriction", 1, 10, 0.25)]


@pytest.mark.parametrize(("product_steps", "field"), [
    ([{"number": 1, "kind": "store_removal"}], "product_steps[0].kind"),
    ([{"number": 1, "kind": "product_ban", "traffic_weight": "2"}], "product_steps[0].traffic_weight"),
    ([{"number": 2, "kind": "product_ban"}], "product_steps"),
    ([], "product_steps"),
])
def test_a_bad_product_ladder_is_refused_with_field_errors(product_steps, field):
    with pytest.raises(InvalidPolicy) as refused:
        policy_version_add(effective_from=date(2030, 1, 1), actor=SYSTEM, product_steps=product_steps,
                           steps=[{"number": 1, "kind": "public_warning"}])
    assert field in refused.value.message_dict


def test_a_restriction_row_lists_its_product_restrictions(record):
    record(product_id="p1")
    assert Restriction.objects.get(merchant_id="m1").product_restrictions[0]["product_id"] == "p1"
