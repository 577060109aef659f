"""No endpoint's query count grows with the number of rows it returns."""
from datetime import date, timedelta

from tests.factories import DailyMetricFactory, raise_warning

METRICS = "/api/v1/metrics/"
# Token lookup, the user's other tokens that have expired (deleted, as knox does), the membership, the rows.
METRICS_QUERIES = 4
# The same three, then one page of warnings (cursor pagination: no COUNT).
WARNING_LIST_QUERIES = 4


def test_metrics_queries_do_not_grow_with_days(api, merchant, django_assert_max_num_queries):
    for i in range(2):
        DailyMetricFactory(merchant=merchant, day=date(2026, 6, 29) - timedelta(days=i))
    with django_assert_max_num_queries(METRICS_QUERIES):
        assert len(api.get(METRICS, {"start": "2026-04-01"}).json()["days"]) == 2

    for i in range(2, 90):
        DailyMetricFactory(merchant=merchant, day=date(2026, 6, 29) - timedelta(days=i))
    with django_assert_max_num_queries(METRICS_QUERIES):
        assert len(api.get(METRICS, {"start": "2026-04-01"}).json()["days"]) == 90


def test_warning_list_queries_do_not_grow_with_warnings(api, merchant, django_assert_max_num_queries):
    points = ["complaint_rate", "negative_review_rate", "merchant_refund_rate", "clustered_complaints",
              "service_not_provided"]
    raise_warning(merchant, risk_point=points[0])
    with django_assert_max_num_queries(WARNING_LIST_QUERIES):
        assert len(api.get("/api/v1/warnings/").json()["results"]) == 1

    for i in range(40):
        raise_warning(merchant, risk_point=points[i % len(points)], product_id=f"p-{i}")
    with django_assert_max_num_queries(WARNING_LIST_QUERIES):
        assert len(api.get("/api/v1/warnings/").json()["results"]) == 41


def test_warning_detail_takes_a_fixed_number_of_queries(api, merchant,
                                                        django_assert_max_num_queries):
    warning = raise_warning(merchant)
    with django_assert_max_num_queries(WARNING_LIST_QUERIES):
        api.get(f"/api/v1/warnings/{warning.pk}/")


# The token, the user's other tokens, the membership, one page of violations with their appeals.
VIOLATION_LIST_QUERIES = 4
# The token, the user's other tokens, the membership, then the merchant, A (the latest as-of day), the
# thresholds in force on A, the pooled sums of both figures, the open warnings counted per risk point, the
# violations counted per tab, the first 20 products at risk ranked by the database with their count (one
# query), the first 20 penalties in force with their count (one query), the violations behind
# them, and what needs attention (appealable violations, open warnings, penalties ending soon); for the 20
# products at risk shown (when there are any) the category's rule parameters and their pooled sums, one
# grouped query; whether any rule change is announced for the category (one query: its future threshold and
# rule-parameter versions, the policy's), and on the days one is, one more for each kind announced.
DIAGNOSIS_QUERIES = 18
# On PostgreSQL the token and the user's expired tokens go in one round trip (riskcase.lib.precompiled.together),
# the membership in another, and the diagnosis's own reads in three (run_plans): the merchant, A, the first
# products, the penalties, the counts and what needs attention; then the thresholds on A, the rule parameters,
# the violations behind the penalties and whether a rule change is announced; then the sums.
DIAGNOSIS_ROUND_TRIPS = 5


def statements(captured):
    """How many statements the captured queries ran: those sent together in one execute counted one by one, a
    prepared statement's EXECUTE as one, what comes with it (riskcase.lib.precompiled: its PREPARE once per
    database session, a DEALLOCATE, the savepoint inside a transaction) not at all."""
    return sum(1 for query in captured for sql in query["sql"].split(";\n")
               if not sql.startswith(("PREPARE ", "DEALLOCATE ", "SAVEPOINT ", "RELEASE SAVEPOINT ")))


def round_trips(vendor):
    """The diagnosis's executes on this database: its statements one by one but on PostgreSQL."""
    return DIAGNOSIS_ROUND_TRIPS if vendor == "postgresql" else DIAGNOSIS_QUERIES


def _many_cases(merchant, n, first=0):
    from cases import services
    from eventstore.actors import Actor
    from tests.factories import record_violation

    points = ["complaint_rate", "negative_review_rate", "merchant_refund_rate", "clustered_complaints",
              "service_not_provided"]
    made = []
    for i in range(first, first + n):
        violation = record_violation(merchant, risk_point=points[i % len(points)], product_id=f"v-{i}")
        if i % 2:
            services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant(merchant.merchant_id),
                                   statement="No.")
        raise_warning(merchant, risk_point=points[i % len(points)], product_id=f"w-{i}")
        made.append(violation)
    return made


def test_violation_list_queries_do_not_grow_with_violations(api, merchant, django_assert_max_num_queries):
    _many_cases(merchant, 1)
    with django_assert_max_num_queries(VIOLATION_LIST_QUERIES):
        assert len(api.get("/api/v1/violations/").json()["results"]) == 1

    _many_cases(merchant, 30, first=1)
    with django_assert_max_num_queries(VIOLATION_LIST_QUERIES):
        assert len(api.get("/api/v1/violations/").json()["results"]) == 31
    with django_assert_max_num_queries(VIOLATION_LIST_QUERIES):
        assert len(api.get("/api/v1/violations/", {"tab": "appealing"}).json()["results"]) == 15


def test_diagnosis_queries_do_not_grow_with_cases_or_days(api, merchant):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as empty:
        api.get("/api/v1/diagnosis/")
    assert statements(empty) <= DIAGNOSIS_QUERIES and len(empty) <= round_trips(connection.vendor)

    _many_cases(merchant, 30)
    for i in range(90):
        DailyMetricFactory(merchant=merchant, day=date(2026, 6, 29) - timedelta(days=i), stable=i >= 6)
    with CaptureQueriesContext(connection) as full:
        body = api.get("/api/v1/diagnosis/").json()
    assert body["violations"]["new"] == 30
    # No penalty here, so no read of the violations behind them (test_diagnosis_limits counts that one too).
    assert statements(full) <= DIAGNOSIS_QUERIES
    assert len(full) == (DIAGNOSIS_ROUND_TRIPS if connection.vendor == "postgresql" else statements(full))


def test_rule_changes_cost_the_diagnosis_one_query_when_none_is_announced_and_one_a_kind_and_version_when_some_are(
        api, merchant):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cases.thresholds import threshold_version_add
    from eventstore.actors import SYSTEM

    _many_cases(merchant, 5)
    for i in range(30):
        DailyMetricFactory(merchant=merchant, day=date(2026, 6, 29) - timedelta(days=i), stable=i >= 6)
    with CaptureQueriesContext(connection) as none_announced:
        assert api.get("/api/v1/diagnosis/").json()["rule_changes"] == []
    for risk_point, weeks in (("complaint_rate", 2), ("negative_review_rate", 3)):
        threshold_version_add(category=merchant.category, risk_point=risk_point, limit="0.03", actor=SYSTEM,
                              effective_from=timezone.localdate() + timedelta(weeks=weeks), note="tighter")
    # The future thresholds read once for both, then what each one changes (its predecessor, a query a version).
    with CaptureQueriesContext(connection) as announced:
        changes = api.get("/api/v1/diagnosis/").json()["rule_changes"]
    assert [c["risk_point"] for c in changes] == ["complaint_rate", "negative_review_rate"]
    assert statements(announced) == statements(none_announced) + 1 + 2
    # On PostgreSQL the future thresholds are read with the diagnosis's second round trip; the predecessors not.
    assert len(announced) == len(none_announced) + (2 if connection.vendor == "postgresql" else 3)


def test_violation_detail_takes_a_fixed_number_of_queries(api, merchant, django_assert_max_num_queries):
    from django.core.files.base import ContentFile

    from cases import services
    from eventstore.actors import Actor
    from tests.factories import record_violation

    violation = record_violation(merchant)
    services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant("m-alpha"), statement="No.",
                           files=[ContentFile(b"%PDF-1.4", name=f"f{i}.pdf") for i in range(5)])
    # The three of every request, the violation with its appeal, its evidence, its events, its shared grounds.
    with django_assert_max_num_queries(7):
        assert len(api.get(f"/api/v1/violations/{violation.pk}/").json()["appeal"]["files"]) == 5
