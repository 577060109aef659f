"""Re-running the evaluation never duplicates: same findings, same cases, no new events."""
from datetime import timedelta

from cases.evaluation import rules_evaluate
from cases.models import Violation, Warning
from cases.services import warning_acknowledge
from eventstore.actors import Actor
from eventstore.models import Event


def test_evaluating_the_same_day_twice_creates_nothing_new(make_merchant, make_metric, complaints_on, as_of, cases_now):
    make_merchant("m1")
    make_metric("m1", as_of, paid=100, complaints=5)  # warning on the complaint rate
    make_metric("m1", as_of - timedelta(days=10), paid=100, complaints=50)  # violation on it
    complaints_on(as_of, 5, product_id="p9")  # clustered-complaints warning
    first = rules_evaluate(as_of)
    assert first.violations_recorded == 1 and first.warnings_raised == 1
    before, events = cases_now(), Event.objects.count()

    second = rules_evaluate(as_of)

    assert cases_now() == before
    assert Event.objects.count() == events
    assert (second.violations_recorded, second.warnings_raised, second.warnings_resolved) == (0, 0, 0)
    assert second.violations_overlapping == 1 and second.warnings_still_open == 1


def test_an_acknowledged_warning_is_still_the_open_one(make_merchant, make_metric, as_of):
    make_merchant("m1")
    make_metric("m1", as_of, paid=100, complaints=5)
    rules_evaluate(as_of)
    warning = Warning.objects.get()
    warning_acknowledge(warning_id=warning.pk, actor=Actor.merchant("m1"))

    rules_evaluate(as_of)
    rules_evaluate(as_of + timedelta(days=1))

    assert list(Warning.objects.values_list("state", flat=True)) == ["acknowledged"]


def test_the_next_nights_evaluation_keeps_the_open_warning_and_records_no_overlapping_violation(
    make_merchant, make_metric, as_of
):
    make_merchant("m1")
    for back in range(0, 40, 2):
        make_metric("m1", as_of - timedelta(days=back), paid=20, complaints=4)  # 20% every other day
    rules_evaluate(as_of)
    for night in range(1, 6):
        rules_evaluate(as_of + timedelta(days=night))
    assert Violation.objects.count() == 1
    assert Warning.objects.count() == 0  # always covered by the standing violation's period
