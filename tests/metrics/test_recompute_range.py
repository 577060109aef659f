"""Which days a recompute rewrites: by default the days that can still change (A-7..A), stretched back
only when a fact arrives late; days before that keep their stored rows."""
from metrics.models import DailyMetric
from tests.factories import ComplaintFactory, ComplaintFiledLine, OrderFactory, OrderPaidLine, shanghai


def _paid_each_day_from_the_5th_to_the_20th():
    return [OrderPaidLine(order_id=f"o-{d}", merchant_id="m-a", paid_at=f"2026-06-{d:02d}T12:00:00+08:00")
            for d in range(5, 21)]


def _as_of_by_day():
    return {m.day.isoformat(): m.as_of.isoformat() for m in DailyMetric.objects.all()}


def test_the_default_start_is_seven_days_before_the_as_of_day(ingest, recompute_cmd):
    ingest(*_paid_each_day_from_the_5th_to_the_20th())
    recompute_cmd("2026-06-20", start="2026-06-01")

    output = recompute_cmd("2026-06-21")

    as_of = _as_of_by_day()
    assert "2026-06-14" in output
    assert as_of["2026-06-13"] == "2026-06-20"  # not touched
    assert as_of["2026-06-14"] == "2026-06-21"  # turns stable today
    assert DailyMetric.objects.get(day="2026-06-14").stable is True
    assert {d for d, a in as_of.items() if a == "2026-06-21"} == {f"2026-06-{d}" for d in range(14, 21)}


def test_days_before_the_default_start_are_not_touched(ingest, recompute_cmd):
    ingest(*_paid_each_day_from_the_5th_to_the_20th())
    recompute_cmd("2026-06-20", start="2026-06-01")
    # Written straight to the fact tables, bypassing ingest: no late-fact record stretches the range.
    ComplaintFactory(order=OrderFactory(merchant__merchant_id="m-a", paid_at=shanghai("2026-06-13")),
                     filed_at=shanghai("2026-06-13", "18:00:00"))

    recompute_cmd("2026-06-21")

    row = DailyMetric.objects.get(day="2026-06-13")
    assert (row.paid_orders, row.complaints, row.as_of.isoformat()) == (1, 0, "2026-06-20")


def test_a_late_fact_stretches_the_next_default_recompute_back_to_the_day_it_changes(ingest, recompute_cmd):
    ingest(*_paid_each_day_from_the_5th_to_the_20th())
    recompute_cmd("2026-06-20", start="2026-06-01")
    # Filed on the 11th, ingested after the run as of the 20th: it changes the cohort of the 5th..11th.
    ingest(ComplaintFiledLine(order_id="o-5", filed_at="2026-06-11T20:00:00+08:00"))

    recompute_cmd("2026-06-21")

    row = DailyMetric.objects.get(day="2026-06-05")
    assert (row.complaints, row.complaint_rate, row.as_of.isoformat()) == (1, 1, "2026-06-21")
    assert {d for d, a in _as_of_by_day().items() if a == "2026-06-21"} == {
        f"2026-06-{d:02d}" for d in range(5, 21)}


def test_an_explicit_start_recomputes_from_that_day(ingest, recompute_cmd):
    ingest(*_paid_each_day_from_the_5th_to_the_20th())
    recompute_cmd("2026-06-20", start="2026-06-01")

    recompute_cmd("2026-06-21", start="2026-06-10")

    as_of = _as_of_by_day()
    assert as_of["2026-06-09"] == "2026-06-20"
    assert as_of["2026-06-10"] == "2026-06-21"
