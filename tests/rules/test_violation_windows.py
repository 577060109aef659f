"""A new violation of the same merchant, risk point and product needs a window after the last one's."""
from datetime import timedelta

from cases.evaluation import rules_evaluate
from cases.models import Violation, Warning
from cases.services import violation_withdraw


def test_a_violation_is_recorded_again_only_for_a_window_that_does_not_overlap(complaints_on, as_of):
    for back in range(3):
        complaints_on(as_of - timedelta(days=back), 4)  # 12 in [A-2, A]
    rules_evaluate(as_of)
    for day in range(1, 4):
        complaints_on(as_of + timedelta(days=day), 4)  # keeps every 3-day window at 12
    assert rules_evaluate(as_of + timedelta(days=1)).violations_overlapping == 1
    assert rules_evaluate(as_of + timedelta(days=2)).violations_overlapping == 1
    assert rules_evaluate(as_of + timedelta(days=3)).violations_recorded == 1  # [A+1, A+3]: no overlap
    assert sorted(Violation.objects.values_list("window_start", "window_end")) == [
        (as_of - timedelta(days=2), as_of), (as_of + timedelta(days=1), as_of + timedelta(days=3)),
    ]


def test_the_rate_violation_window_moves_on_only_after_thirty_days(make_merchant, make_metric, as_of):
    make_merchant("m1")
    last = as_of + timedelta(days=30)
    for back in range(80):  # 10% every day, stored as the recompute as of the last evaluated day left them
        make_metric("m1", last - timedelta(days=back), paid=10, complaints=1, as_of=last)
    recorded = [rules_evaluate(as_of + timedelta(days=n)).violations_recorded for n in range(31)]
    assert recorded == [1] + [0] * 29 + [1]


def test_a_violation_escalates_the_warning_raised_before(complaints_on, as_of):
    complaints_on(as_of, 5)
    rules_evaluate(as_of)
    warning = Warning.objects.get()
    complaints_on(as_of + timedelta(days=1), 5)  # 10 in [A-1, A+1]
    rules_evaluate(as_of + timedelta(days=1))
    warning.refresh_from_db()
    violation = Violation.objects.get()
    assert (warning.state, warning.violation_id) == ("escalated", violation.pk)
    assert Warning.objects.count() == 1


def test_no_warning_is_raised_beside_a_violation_of_the_same_period(complaints_on, as_of):
    complaints_on(as_of, 10)
    summary = rules_evaluate(as_of)
    assert (summary.violations_recorded, summary.warnings_raised, summary.warnings_covered_by_violation) == (1, 0, 1)
    assert not Warning.objects.exists()


def test_a_withdrawn_violation_is_not_recorded_again_but_no_longer_covers_the_warning(
    complaints_on, as_of, reviewer_actor
):
    complaints_on(as_of, 10)
    rules_evaluate(as_of)
    violation_withdraw(violation_id=Violation.objects.get().pk, actor=reviewer_actor, reason="recorded in error")
    summary = rules_evaluate(as_of)
    assert (summary.violations_recorded, summary.warnings_raised) == (0, 1)
    assert Violation.objects.get().state == "withdrawn"


def test_the_product_is_part_of_the_key(complaints_on, as_of):
    complaints_on(as_of, 10, product_id="p1")
    rules_evaluate(as_of)
    complaints_on(as_of, 10, product_id="p2")
    assert rules_evaluate(as_of).violations_recorded == 1
    assert sorted(Violation.objects.values_list("product_id", flat=True)) == ["p1", "p2"]
