"""Facts may arrive in any order (contract section 1): nothing is rejected for naming an order not yet
seen, and the numbers are the same as when everything arrives in order."""
import orjson
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from metrics.ingest import ingest_lines, writer
from metrics.ingest import service as ingest_service
from metrics.models import UNKNOWN_MERCHANT, Complaint, Order, OrderVerification, Refund, Review, StaleDay
from tests.factories import (
    ComplaintFiledLine,
    OrderPaidLine,
    OrderVerifiedLine,
    RefundCompletedLine,
    ReviewPostedLine,
)

AS_OF = "2026-06-30"


def _order():
    return [OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-10T10:00:00+08:00")]


def _after_the_order():
    return [
        OrderVerifiedLine(order_id="o-1", verified_at="2026-06-10T11:00:00+08:00"),
        ReviewPostedLine(review_id="r-1", order_id="o-1", rating=1, posted_at="2026-06-11T10:00:00+08:00"),
        ComplaintFiledLine(complaint_id="c-1", order_id="o-1", filed_at="2026-06-11T10:00:00+08:00"),
        RefundCompletedLine(refund_id="f-1", order_id="o-1", refunded_at="2026-06-12T10:00:00+08:00"),
    ]


def test_facts_about_an_order_not_yet_seen_are_accepted(ingest):
    report = ingest(*_after_the_order())

    assert (report.new, report.bad, report.conflicting) == (4, 0, 0)


def test_review_and_complaint_ingested_before_their_order_give_the_same_numbers(ingest, export_csv):
    ingest(*reversed(_after_the_order()))
    ingest(*_order())
    late_order = export_csv(as_of=AS_OF, start="2026-06-01", end="2026-06-30")

    assert late_order.splitlines()[1:] == [
        "m-a,2026-06-10,1,1,1,1,1,1.000000,1.000000,1.000000,true",
    ]


def test_arrival_order_does_not_change_the_export(ingest, export_csv):
    ingest(*_order(), *_after_the_order())
    in_order = export_csv(as_of=AS_OF, start="2026-06-01", end="2026-06-30")
    for model in (Order, OrderVerification, Review, Complaint, Refund, StaleDay):
        model.objects.all().delete()

    ingest(*reversed(_after_the_order()))
    ingest(*_order())

    assert export_csv(as_of=AS_OF, start="2026-06-01", end="2026-06-30") == in_order


def _month():
    """Two merchants, every fact kind, edges of days and windows; export as of 2026-06-30 worked out below."""
    return [
        *_order(),
        *_after_the_order(),
        OrderPaidLine(order_id="o-2", merchant_id="m-a", paid_at="2026-06-10T15:59:59Z"),
        ComplaintFiledLine(complaint_id="c-2", order_id="o-2", filed_at="2026-06-16T23:59:59+08:00"),
        ComplaintFiledLine(complaint_id="c-3", order_id="o-2", filed_at="2026-06-17T00:00:00+08:00"),
        OrderPaidLine(order_id="o-3", merchant_id="m-b", paid_at="2026-06-10T16:00:00Z"),
        OrderVerifiedLine(order_id="o-3", verified_at="2026-06-12T10:00:00+08:00"),
        ReviewPostedLine(review_id="r-3", order_id="o-3", rating=3, posted_at="2026-06-12T11:00:00+08:00"),
        RefundCompletedLine(refund_id="f-3", order_id="o-3", responsibility="platform",
                            refunded_at="2026-06-12T11:00:00+08:00"),
    ]


MONTH_EXPORT = [
    "m-a,2026-06-10,2,1,2,1,1,1.000000,1.000000,0.500000,true",
    "m-b,2026-06-11,1,0,0,0,0,0.000000,,0.000000,true",
    "m-b,2026-06-12,0,1,0,0,0,,0.000000,,true",
]


@hypothesis_settings(max_examples=30, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(len(_month()))), batch_size=st.sampled_from([1, 2, 5, 2000]))
def test_any_arrival_order_and_batching_gives_the_same_export(ingest, export_csv, settings, order, batch_size):
    for model in (Order, OrderVerification, Review, Complaint, Refund, StaleDay):
        model.objects.all().delete()
    settings.RISKCASE_INGEST_BATCH_SIZE = batch_size
    facts = _month()

    report = ingest(*(facts[i] for i in order))

    assert (report.new, report.bad, report.conflicting) == (len(facts), 0, 0)
    assert export_csv(as_of=AS_OF, start="2026-06-01", end="2026-06-30").splitlines()[1:] == MONTH_EXPORT


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("batch_size", [1, 3, 2000])
@pytest.mark.parametrize("hold_lines", [0, 50_000])
def test_outside_a_transaction_facts_before_their_order_across_batches_are_counted(settings, export_csv,
                                                                                 batch_size, hold_lines):
    """The command's path: batches written by the writer thread, a fact whose order comes a batch or more later
    held back while it may wait (hold_lines 0: one batch at most) and then stored under no merchant until its
    order moves it."""
    from django.db import connection

    assert not connection.in_atomic_block  # so the ingest writes in its own thread and transactions
    settings.RISKCASE_INGEST_BATCH_SIZE = batch_size
    settings.RISKCASE_INGEST_HOLD_LINES = hold_lines
    facts = _month()
    facts = [f for f in facts if f["type"] != "order_paid"] + [f for f in facts if f["type"] == "order_paid"]

    report = ingest_lines([orjson.dumps(f) for f in facts])

    assert (report.new, report.bad, report.conflicting) == (len(facts), 0, 0)
    assert export_csv(as_of=AS_OF, start="2026-06-01", end="2026-06-30").splitlines()[1:] == MONTH_EXPORT
    for model in (OrderVerification, Review, Complaint, Refund):
        assert not model.objects.filter(merchant_id=UNKNOWN_MERCHANT).exists()
    again = ingest_lines([orjson.dumps(f) for f in facts])
    assert (again.new, again.duplicate, again.conflicting) == (0, len(facts), 0)


def _facts_then_their_order_after(fillers):
    """o-1's facts, `fillers` orders of another merchant, then o-1: the order comes fillers + 1 lines late."""
    return [orjson.dumps(f) for f in (
        *_after_the_order(),
        *(OrderPaidLine(order_id=f"o-x{i}", merchant_id="m-b", paid_at="2026-06-10T12:00:00+08:00")
          for i in range(fillers)),
        *_order(),
    )]


class _Spy:
    """Records the calls of a writer function (from the writer's threads too) and runs it."""

    def __init__(self, monkeypatch, name):
        self.calls = []
        real = getattr(writer, name)

        def spy(*args):
            self.calls.append(args)
            return real(*args)

        monkeypatch.setattr(writer, name, spy)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_fact_waits_in_memory_for_its_order_several_batches_later_and_is_looked_up_once(settings, monkeypatch):
    """Facts 10 lines (five batches) before their order, within RISKCASE_INGEST_HOLD_LINES: each is stored once,
    with its merchant, never under no merchant and moved; and the database is asked for its order only when it
    comes, not again in every batch it waits."""
    settings.RISKCASE_INGEST_BATCH_SIZE = 2
    settings.RISKCASE_INGEST_HOLD_LINES = 50
    owners, settles = _Spy(monkeypatch, "_owners"), _Spy(monkeypatch, "_settle_orphans")

    report = ingest_lines(_facts_then_their_order_after(8))

    assert (report.new, report.bad, report.conflicting) == (13, 0, 0)
    for model in (OrderVerification, Review, Complaint, Refund):
        assert list(model.objects.values_list("merchant_id", flat=True)) == ["m-a"]
    assert settles.calls == [(writer.ON_ORDERS,)]  # the ingest's first settling only: no fact was stored waiting
    looked_up = [order_id for (ids, _parts) in owners.calls for order_id in ids]
    assert sorted(looked_up) == ["o-1"] * 4  # each of the four facts once, when it came


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_fact_whose_order_comes_later_than_it_may_wait_is_stored_and_moved_when_the_order_comes(settings,
                                                                                               monkeypatch):
    """The same facts with RISKCASE_INGEST_HOLD_LINES 3: they stop waiting before their order comes, are stored
    under no merchant, and the order's batch moves them to its merchant: the same numbers in the end."""
    settings.RISKCASE_INGEST_BATCH_SIZE = 2
    settings.RISKCASE_INGEST_HOLD_LINES = 3
    settles = _Spy(monkeypatch, "_settle_orphans")

    report = ingest_lines(_facts_then_their_order_after(8))

    assert (report.new, report.bad, report.conflicting) == (13, 0, 0)
    for model in (OrderVerification, Review, Complaint, Refund):
        assert list(model.objects.values_list("merchant_id", flat=True)) == ["m-a"]
    stored_waiting = {kind for (kinds,) in settles.calls[1:] for kind in kinds}
    assert stored_waiting == set(writer.ON_ORDERS)  # each type was stored waiting once it could wait no longer


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_facts_stored_before_their_order_settle_on_an_order_committed_meanwhile():
    """A racing ingest can commit an order while this one stores a fact on it under no merchant (its look-up
    ran before that commit, and that order's transaction looked for waiting facts before this one's commit).
    Whoever stores such a fact then takes the orders' lock and moves every waiting fact whose order is stored."""
    ingest_lines([orjson.dumps(OrderVerifiedLine(order_id="o-1", verified_at="2026-06-10T11:00:00+08:00"))])
    assert OrderVerification.objects.get(order_id="o-1").merchant_id == UNKNOWN_MERCHANT
    # The racing ingest's order, committed without finding the fact (written here straight to the table).
    Order.objects.create(order_id="o-1", merchant_id="m-a", product_id="p-1", amount_cents=1,
                         paid_at="2026-06-10T02:00:00Z", paid_day="2026-06-10")

    report = ingest_lines([orjson.dumps(OrderVerifiedLine(order_id="o-2", verified_at="2026-06-10T12:00:00+08:00"))])

    assert report.new == 1
    assert OrderVerification.objects.get(order_id="o-1").merchant_id == "m-a"
    assert OrderVerification.objects.get(order_id="o-2").merchant_id == UNKNOWN_MERCHANT


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_ingest_first_settles_facts_a_dead_process_left_waiting_whatever_it_ingests():
    """A process that died after committing a batch and before settling it left a fact under no merchant
    whose order is stored; the next ingest moves it first, even one of another fact type, or of nothing."""
    Order.objects.create(order_id="o-1", merchant_id="m-a", product_id="p-1", amount_cents=1,
                         paid_at="2026-06-10T02:00:00Z", paid_day="2026-06-10")
    # What the dead process committed: its complaint, still waiting for the order it did not settle on.
    Complaint.objects.create(complaint_id="c-1", order_id="o-1", merchant_id=UNKNOWN_MERCHANT,
                             filed_at="2026-06-11T02:00:00Z", filed_day="2026-06-11")

    report = ingest_lines([])

    assert report.new == 0
    assert Complaint.objects.get(complaint_id="c-1").merchant_id == "m-a"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_facts_whose_order_never_comes_are_held_no_longer_than_the_setting_allows(settings, monkeypatch):
    """Memory stays bounded: a feed of facts whose orders never come holds at most RISKCASE_INGEST_HOLD_LINES
    lines' worth (plus the batch being written) at any time, and every fact is stored in the end, waiting
    under no merchant."""
    settings.RISKCASE_INGEST_BATCH_SIZE = 3
    settings.RISKCASE_INGEST_HOLD_LINES = 7
    sizes = []
    real_hold = ingest_service._Outcomes.hold

    def hold(self, kind, entries):
        sizes.append(len(entries))
        return real_hold(self, kind, entries)

    monkeypatch.setattr(ingest_service._Outcomes, "hold", hold)
    lines = [orjson.dumps(OrderVerifiedLine(order_id=f"o-{i}", verified_at="2026-06-10T11:00:00+08:00"))
             for i in range(40)]

    report = ingest_lines(lines)

    assert (report.new, report.bad) == (40, 0)
    assert sizes and max(sizes) <= 7 + 3
    assert OrderVerification.objects.filter(merchant_id=UNKNOWN_MERCHANT).count() == 40
