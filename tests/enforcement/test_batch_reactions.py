"""Issue 17: the enforcement consumer handles one batch of violation events at once (protective bans per severe
violation, then one re-step per merchant touched), with the penalties and restrictions that handling the events
one by one gives, the notices of what it imposes, and nothing applied twice when a batch is retried."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.utils import translation

from cases import services as case_services
from enforcement import consumers, services
from enforcement.models import Penalty, PenaltyState, Restriction
from eventstore.actors import Actor
from eventstore.consumers import process_new_events
from eventstore.models import Checkpoint
from eventstore.store import head_position
from notifications import consumers as notices
from notifications.models import Kind, Notification
from tests.factories import MembershipFactory, MerchantFactory, UserFactory

from .conftest import drain_consumer

pytestmark = pytest.mark.django_db

AT = datetime(2026, 6, 7, 2, 30, tzinfo=UTC)
OPEN = (PenaltyState.PROPOSED, PenaltyState.ACTIVE)


def outcome():
    """The open penalties (what, for which violation, their terms) and every restriction document (its
    penalty ids and event position aside: those differ between two runs by construction)."""
    penalties = sorted((p.merchant_id, tuple(p.violation_ids), p.kind, p.step, p.state, p.product_id, p.protective,
                        p.starts_at, p.ends_at, p.term_from) for p in Penalty.objects.filter(state__in=OPEN))
    documents = {}
    for row in Restriction.objects.all():
        document = row.document()
        document.pop("position")
        document["measures"] = sorted((m["kind"], m["step"], m["product_id"], m["basis"], m["ends_at"])
                                      for m in document["measures"])
        documents[row.merchant_id] = document
    return penalties, documents


def handled(batch_size):
    """Drain the violations consumer `batch_size` events at a time, note the outcome and the events it
    appended, and roll it all back (so both ways start from the same log)."""
    with transaction.atomic():
        head = head_position()
        batches = 0
        while consumers.run_violations(batch_size=batch_size):
            batches += 1
        result = outcome(), head_position() > head
        transaction.set_rollback(True)
    return result


@pytest.fixture
def night(record):
    """One night's violations, each recorded in its own transaction at the same instant: four of m1 (one of
    them severe clustered complaints, one a product's rate), interleaved with two of m2."""
    MerchantFactory(merchant_id="m2", name="Other Noodles")
    with time_machine.travel(AT, tick=False):
        recorded = [
            record(drain=False),
            record(merchant_id="m2", drain=False),
            record(risk_point="clustered_complaints", product_id="p1", value=Decimal("12"), drain=False),
            record(risk_point="negative_review_rate", drain=False),
            record(merchant_id="m2", risk_point="service_not_provided", drain=False),
            record(risk_point="complaint_rate", product_id="p2", drain=False),
        ]
    return recorded


def test_a_batch_gives_the_penalties_and_restrictions_of_handling_each_event_on_its_own(night):
    one_by_one, appended = handled(batch_size=1)
    assert appended
    at_once, _ = handled(batch_size=100)
    assert at_once == one_by_one
    penalties, documents = at_once
    m1 = sorted((kind, step, protective) for merchant, _v, kind, step, _s, _p, protective, *_ in penalties
                if merchant == "m1")
    assert m1 == [("product_ban", 4, True), ("product_restriction", 1, False), ("public_warning", 1, False),
                  ("restricted_promotion", 2, False), ("throttling", 3, False)]
    assert documents["m1"]["banned_products"] == ["p1"] and documents["m2"]["can_advertise"] is False


def test_an_overturn_and_new_violations_in_one_batch_re_step_the_merchant_once(night, record, reviewer):
    drain_consumer()
    with time_machine.travel(AT, tick=False):  # an overturn re-steps as of the time it is handled
        case_services.violation_withdraw(violation_id=night[0].pk, actor=Actor.reviewer(reviewer),
                                         reason="a duplicate")
        record(risk_point="merchant_refund_rate", drain=False)
        record(risk_point="public_opinion", drain=False)
        one_by_one, _ = handled(batch_size=1)
        with translation.override("en"):
            drain_consumer()
    assert outcome() == one_by_one
    # The withdrawn violation's rung is lifted; the clustered complaints and negative reviews stand on rungs 1
    # and 2 (re-stepped from 2 and 3), the two new violations take rungs 3 and 4.
    m1 = Penalty.objects.filter(merchant_id="m1", protective=False)
    assert sorted((p.step, p.kind) for p in m1.filter(state__in=OPEN, product_id="")) == [
        (1, "public_warning"), (2, "restricted_promotion"), (3, "throttling"), (4, "throttling")]
    assert m1.get(violation_ids=[str(night[0].pk)]).lift_cause == "violation_withdrawn"
    re_stepped = m1.filter(lift_cause="re_stepped")
    assert sorted(p.step for p in re_stepped) == [2, 3]  # each lift names all that happened to m1 in the batch
    assert {p.closed_reason for p in re_stepped} == {
        "Re-stepped: a violation was withdrawn, 2 new violations were recorded; this violation now carries step 1.",
        "Re-stepped: a violation was withdrawn, 2 new violations were recorded; this violation now carries step 2."}


def test_the_reason_names_what_happened_to_the_merchant_in_the_batch():
    with translation.override("en"):
        assert consumers._reason({"recorded": 3, "accepted": 1}) == (
            "3 new violations were recorded, an appeal was accepted")
    with translation.override("zh-hans"):
        assert consumers._reason({"recorded": 2, "withdrawn": 2}) == "记录了 2 项新违规，2 项违规被撤销"


def test_each_merchant_is_re_stepped_once_per_batch_in_order_of_first_appearance(night, monkeypatch):
    calls = []
    real = services.merchants_restep
    monkeypatch.setattr(services, "merchants_restep", lambda resteps: calls.append(resteps) or real(resteps))
    with translation.override("en"):
        drain_consumer()
    assert [[(merchant, reason) for merchant, reason, _now in resteps] for resteps in calls] == [[
        ("m1", "4 new violations were recorded"), ("m2", "2 new violations were recorded")]]
    assert {now for resteps in calls for _m, _r, now in resteps} == {AT}


def test_what_a_batch_imposes_is_notified_to_the_merchant(night):
    staff = MembershipFactory(merchant=MerchantFactory(merchant_id="m1"), user=UserFactory(username="lin")).user
    drain_consumer()
    notices.run()
    imposed = {str(pk) for pk in Penalty.objects.filter(merchant_id="m1", state=PenaltyState.ACTIVE)
               .values_list("pk", flat=True)}
    assert len(imposed) == 5  # steps 1 to 3 at once, the product restriction, the protective ban
    told = set(Notification.objects.filter(user=staff, kind=Kind.PENALTY_IMPOSED).values_list("subject_id", flat=True))
    assert told == imposed


def test_a_retried_batch_applies_nothing_twice(night, monkeypatch):
    start = Checkpoint.objects.get_or_create(consumer=consumers.VIOLATIONS)[0].position
    head = head_position()
    real = services.merchants_restep

    def lost(resteps):
        real(resteps)
        raise RuntimeError("worker lost before the commit")

    monkeypatch.setattr(services, "merchants_restep", lost)
    with pytest.raises(RuntimeError):
        process_new_events(consumers.VIOLATIONS)
    assert Penalty.objects.count() == 0 and head_position() == head
    assert Checkpoint.objects.get(consumer=consumers.VIOLATIONS).position == start
    monkeypatch.undo()

    drain_consumer()
    done, events = outcome(), head_position()
    assert done[0] and events > head
    # The same batch handled again (a retry after a commit nobody saw): the bans and the ladder are there already.
    Checkpoint.objects.filter(consumer=consumers.VIOLATIONS).update(position=start)
    drain_consumer()
    assert outcome() == done and head_position() == events
    assert Penalty.objects.filter(protective=True).count() == 1
