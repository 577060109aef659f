"""Issue 17: the diagnosis's queries are compiled once per database connection (riskcase.lib.precompiled) and must
return exactly what the ORM's own QuerySets return: the same rows in the same order, every field with its value
and type, deferred fields deferred, annotations set; a query whose parameters cannot be told apart is refused."""
import uuid
from datetime import date, datetime, timedelta

import pytest
from django.db.models import Max, Model, Q

from cases.models import Violation, Warning
from cases.thresholds import rule_parameters_version_add
from enforcement import rule_changes, selectors
from enforcement.models import Penalty
from enforcement.policy import policy_version_add
from eventstore.actors import SYSTEM
from metrics.models import DailyMetric
from portal import diagnosis, metrics, penalties
from portal.diagnosis import ATTENTION_LIMIT, DIAGNOSIS_LIST_LIMIT
from riskcase.lib.precompiled import Precompiled, run_plans
from tests.api.conftest import NOW, frozen_now  # noqa: F401 (a fixture: the API tests' frozen day)
from tests.api.test_read_fast_serializer import _busy_merchant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

HARSH = [{"number": 1, "kind": "throttling", "duration_days": 30, "traffic_weight": "0.5"}]


def _state(row):
    """What a row of a QuerySet holds: a model instance's loaded fields and annotations with their types, its
    deferred fields and database; a dict's or a tuple's values with their types, in order."""
    if isinstance(row, Model):
        fields = {k: (v, type(v)) for k, v in vars(row).items() if not k.startswith("_")}
        return type(row), list(fields.items()), row.get_deferred_fields(), row._state.db, row._state.adding
    if isinstance(row, dict):
        return [(k, v, type(v)) for k, v in row.items()]
    if isinstance(row, tuple):
        return tuple((v, type(v)) for v in row)
    return row, type(row)


def assert_same(query, **arguments):
    """query(**arguments) returns list(query.build(**arguments)) row for row; and again, from the compiled SQL."""
    orms = [_state(row) for row in query.build(**arguments)]
    assert [_state(row) for row in query(**dict(arguments))] == orms
    assert [_state(row) for row in query(**dict(arguments))] == orms
    return orms


@pytest.fixture
def busy(merchant):
    _busy_merchant(merchant)  # warnings, violations (some appealed), penalties, metrics, a future threshold
    rule_parameters_version_add(category="food", clustered_limit=12, effective_from=date(2026, 7, 20), actor=SYSTEM)
    policy_version_add(effective_from=date(2026, 7, 25), steps=HARSH, actor=SYSTEM)
    return merchant


def test_the_diagnosis_queries_return_what_the_orm_returns(busy):
    m = busy.merchant_id
    for as_of in (date(2026, 6, 30), date(2026, 1, 1), date(2000, 1, 1)):
        assert_same(diagnosis._thresholds_in_force, as_of=as_of, category="food")
        assert_same(diagnosis._rule_parameters_in_force, as_of=as_of, category="food")
    assert len(assert_same(diagnosis._thresholds_in_force, as_of=date(2026, 6, 30), category="food")) == 3
    assert_same(diagnosis._warnings_counted, merchant_id=m)
    counted = diagnosis._warnings_counted(merchant_id=m)  # per risk point
    assert len(counted) == 5 and sum(row["open"] + row["acknowledged"] for row in counted) == 8
    assert_same(diagnosis._warnings_counted, merchant_id="m-nobody")
    for now in (NOW, NOW + timedelta(days=6), NOW + timedelta(days=30)):  # every violation "new", some, none
        assert len(assert_same(diagnosis._violations_counted, merchant_id=m, now=now)) == 1  # the merchant's
        assert_same(diagnosis._appealable, merchant_id=m, now=now)
    assert assert_same(diagnosis._appealable, merchant_id=m, now=NOW)  # the violations not appealed
    assert len(assert_same(diagnosis._unacknowledged, merchant_id=m)) == 8
    assert metrics.latest_as_of(m) == DailyMetric.objects.filter(merchant=busy).aggregate(a=Max("as_of"))["a"]
    assert metrics.latest_as_of("m-nobody") is None


def test_the_series_queries_return_what_the_orm_returns(busy):
    """metrics/'s days of the merchant and of one product (portal.metrics.merchant_days), whole, cut, empty."""
    m = busy.merchant_id
    for start, end in ((date(2026, 5, 1), date(2026, 6, 29)), (date(2026, 6, 20), date(2026, 6, 25)),
                       (date(2026, 6, 29), date(2026, 6, 29)), (date(2027, 1, 1), date(2027, 2, 1))):
        assert_same(metrics._merchant_days, merchant_id=m, start=start, end=end)
        assert_same(metrics._product_days, merchant_id=m, product="p-1", start=start, end=end)
        assert metrics.merchant_days(m, start, end) == list(DailyMetric.objects.filter(
            merchant=busy, day__range=(start, end)).order_by("day"))
    assert len(assert_same(metrics._merchant_days, merchant_id=m, start=date(2026, 5, 1), end=date(2026, 6, 29))) == 40
    assert len(assert_same(metrics._product_days, merchant_id=m, product="p-1", start=date(2026, 5, 1),
                           end=date(2026, 6, 29))) == 20
    assert assert_same(metrics._product_days, merchant_id=m, product="p-2", start=date(2026, 5, 1),
                       end=date(2026, 6, 29)) == []
    assert assert_same(metrics._merchant_days, merchant_id="m-nobody", start=date(2026, 5, 1),
                       end=date(2026, 6, 29)) == []


def test_the_new_tab_counts_the_week_before_now_as_the_orm_does(busy):
    counted = diagnosis._violations_counted(merchant_id=busy.merchant_id, now=NOW + timedelta(days=6))
    assert counted == list(diagnosis._violations_counted.build(merchant_id=busy.merchant_id, now=NOW + timedelta(days=6)))
    assert sum(row["new"] for row in counted) == 8
    assert sum(row["new"] for row in diagnosis._violations_counted(merchant_id=busy.merchant_id,
                                                                   now=NOW + timedelta(days=8))) == 0


def test_the_penalty_and_rule_change_queries_return_what_the_orm_returns(busy):
    m = busy.merchant_id
    [active_penalties] = run_plans(  # compiled for the limit
        penalties.active_penalties_plan(m, now=NOW, limit=DIAGNOSIS_LIST_LIMIT))
    page = assert_same(penalties._first_in_force[DIAGNOSIS_LIST_LIMIT], merchant_id=m, now=NOW)
    assert len(page) == len(active_penalties[0]) > 0 and active_penalties[1] == Penalty.objects.count()
    penalties.penalties_ending_read(m, now=NOW, until=NOW + timedelta(days=7), limit=ATTENTION_LIMIT).run()
    for until in (NOW, NOW + timedelta(days=7), NOW + timedelta(days=400)):
        assert_same(penalties._first_ending[ATTENTION_LIMIT], merchant_id=m, now=NOW, until=until)
    for today in (date(2026, 6, 30), date(2026, 7, 21)):
        assert_same(rule_changes._later_thresholds, category="food", today=today)
        assert_same(rule_changes._later_rule_parameters, category="food", today=today)
        later = assert_same(rule_changes._later_policies, today=today)
    assert later and [len(v.steps.all()) for v in rule_changes._later_policies(today=date(2026, 6, 30))] == [1]
    [changes] = run_plans(rule_changes.upcoming_rule_changes_plan("food", date(2026, 6, 30)))
    kinds = {change["rule"] for change in changes}
    assert kinds == {"threshold", "rule_parameters", "policy"}


def test_the_violations_behind_penalties_are_read_for_any_number_of_them(busy):
    ids = [str(v.pk) for v in Violation.objects.all()]
    for n in (1, 2, 3, 5, 8):  # an IN list padded to a power of two: the same rows
        behind = selectors.violations_behind([Penalty(violation_ids=ids[:n])], fields=penalties.VIOLATION_FIELDS)
        orms = {str(v.pk): v for v in Violation.objects.filter(pk__in=ids[:n]).only(*penalties.VIOLATION_FIELDS)}
        assert {k: _state(v) for k, v in behind.items()} == {k: _state(v) for k, v in orms.items()}
    assert selectors.violations_behind([Penalty(violation_ids=[])]) == {}
    assert list(selectors.violations_behind([Penalty(violation_ids=ids[:2])]).values())[0].opened_at is not None


def test_a_query_whose_parameters_are_not_its_arguments_is_refused(merchant):
    week_before = Precompiled(lambda now: Violation.objects.filter(opened_at__gte=now - timedelta(days=7)),
                              now=datetime)
    with pytest.raises(ValueError, match="not one of its arguments"):
        week_before(now=NOW)  # computed from `now` but not declared as derived
    declared = Precompiled(lambda now: Violation.objects.filter(opened_at__gte=now - timedelta(days=7)),
                           now=datetime, derived={"since": (datetime, lambda now: now - timedelta(days=7))})
    assert declared(now=NOW) == []

    first = Precompiled(lambda m, n: Warning.objects.filter(merchant_id=m)[:n], m=str, n=int)
    with pytest.raises(ValueError, match="SQL changes"):
        first(m="m-alpha", n=3)  # a LIMIT is written in the SQL, not sent as a parameter
    with pytest.raises(ValueError, match="empty"):
        Precompiled(lambda ids: Violation.objects.filter(pk__in=ids), ids=[uuid.UUID])(ids=[])
    with pytest.raises(TypeError):
        diagnosis._unacknowledged(merchant="m")


def test_a_value_the_orm_would_convert_first_is_refused(merchant):
    """Sent as they are, these would not mean what the ORM makes of them (it makes a naive datetime aware in the
    default time zone, keeps the day of a datetime given for a date, parses a UUID written as text)."""
    with pytest.raises(ValueError, match="aware"):
        diagnosis._appealable(merchant_id="m-alpha", now=datetime(2026, 6, 30, 12))
    with pytest.raises(TypeError):
        diagnosis._thresholds_in_force(as_of=NOW, category="food")
    with pytest.raises(TypeError):
        Precompiled(lambda ids: Violation.objects.filter(pk__in=ids), ids=[uuid.UUID])(ids=[str(uuid.uuid4())])
    assert diagnosis._appealable(merchant_id="m-alpha", now=NOW) == []


def _related(violation):
    appeal = getattr(violation, "appeal", None)  # None: no appeal (cached by select_related, no query)
    return _state(violation.merchant), appeal and _state(appeal)


def test_select_related_objects_are_set_as_the_orm_sets_them(busy, django_assert_num_queries):
    query = Precompiled(lambda m: Violation.objects.filter(merchant_id=m).select_related("merchant", "appeal")
                        .order_by("opened_at", "pk"), m=str)
    with django_assert_num_queries(1):
        mine = query(m=busy.merchant_id)
        shown = [_related(v) for v in mine]
    orms = [_related(v) for v in query.build(m=busy.merchant_id)]
    assert shown == orms and any(appeal for _m, appeal in shown) and not all(appeal for _m, appeal in shown)
    assert [_state(v) for v in mine] == [_state(v) for v in query.build(m=busy.merchant_id)]


def test_constants_stay_and_arguments_are_substituted_in_or_queries(merchant):
    query = Precompiled(lambda m, p: Warning.objects.filter(Q(merchant_id=m) & (Q(product_id=p) | Q(product_id="")))
                        .values_list("product_id", flat=True), m=str, p=str)
    assert query(m="m-alpha", p="p-1") == list(query.build(m="m-alpha", p="p-1")) == []


@pytest.mark.django_db
def test_a_wrapped_query_reads_its_querysets_rows_and_adds_no_parameter(busy):
    """wrap= reads the QuerySet's SQL as a subquery, its rows plain tuples; a wrap that brings a parameter of its
    own would shift every argument's place, and is refused when compiled."""
    build = lambda merchant_id: Warning.objects.filter(merchant_id=merchant_id).values("risk_point")  # noqa: E731
    counted = Precompiled(build, merchant_id=str,
                          wrap=lambda sql, connection: f"SELECT COUNT(*) FROM ({sql}) AS w")
    assert counted(merchant_id=busy.merchant_id) == [(Warning.objects.filter(merchant=busy).count(),)]
    assert counted(merchant_id="m-nobody") == [(0,)]
    shifted = Precompiled(build, merchant_id=str,
                          wrap=lambda sql, connection: f"SELECT * FROM ({sql}) AS w WHERE risk_point = %s")
    with pytest.raises(ValueError, match="adds no parameter"):
        shifted(merchant_id=busy.merchant_id)


def test_reads_run_together_give_what_each_gives_alone_in_one_execute_on_postgresql(busy):
    """together() runs several Pending reads, on PostgreSQL as one execute (their statements in one message);
    each one's result is what it gives alone: model instances, dicts, tuples, an empty result between others, a
    read that needs no query, a value with a % or a ; in it (a parameter, not SQL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from riskcase.lib.precompiled import Pending, together

    m, now = busy.merchant_id, datetime.fromisoformat("2026-06-30T12:00:00+08:00")
    named = Precompiled(lambda name: Warning.objects.filter(merchant_id=name).values("id"), name=str)
    reads = [
        lambda: diagnosis._appealable.later(merchant_id=m, now=now),
        lambda: named.later(name="50%; DROP TABLE x; --"),
        lambda: Pending.ready("no query"),
        lambda: diagnosis._warnings_counted.later(merchant_id=m),
        lambda: metrics.window_sums_read(m, {"c": ("complaint_rate", date(2026, 6, 1), date(2026, 6, 30), False)}),
        lambda: diagnosis._ranked_first.later(merchant_id=m),
    ]
    alone = [read().run() for read in reads]
    with CaptureQueriesContext(connection) as sent:
        found = together(*(read() for read in reads))
    assert [[_state(row) for row in r] if isinstance(r, list) else r for r in found] == [
        [_state(row) for row in r] if isinstance(r, list) else r for r in alone]
    assert alone[0] and alone[1] == [] and alone[3] and alone[4]["c"][1] and alone[5]
    assert len(sent) == (1 if connection.vendor == "postgresql" else 5)


def test_a_failing_read_fails_those_run_with_it(busy):
    from django.db import DatabaseError, transaction

    from riskcase.lib.precompiled import Pending, together

    broken = Pending(diagnosis._warnings_counted.later(merchant_id="m").connection, "SELECT * FROM no_such_table",
                     [], list)
    with pytest.raises(DatabaseError), transaction.atomic():
        together(diagnosis._warnings_counted.later(merchant_id=busy.merchant_id), broken)


def test_plans_read_step_by_step_each_step_of_all_plans_together(busy):
    """run_plans sends each plan its results and runs the reads of the same step of every plan in one execute:
    three plans of one, two and three steps take three round trips on PostgreSQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from riskcase.lib.precompiled import Pending, run_plans

    m = busy.merchant_id
    counted = lambda: diagnosis._warnings_counted.later(merchant_id=m)  # noqa: E731

    def one():
        return (yield counted())

    def two():
        first = yield counted()
        both = yield (counted(), Pending.ready(len(first)))
        return both[1], first == both[0]

    def three():
        seen = []
        for _ in range(3):
            seen.append((yield counted()))
        return len(seen)

    def none():
        return "nothing read"
        yield  # a generator that needs nothing

    with CaptureQueriesContext(connection) as sent:
        results = run_plans(one(), two(), three(), none())
    expected = list(diagnosis._warnings_counted.build(merchant_id=m))
    assert results == [expected, (len(expected), True), 3, "nothing read"]
    assert len(sent) == (3 if connection.vendor == "postgresql" else 6)


def test_a_plan_gathers_plans_that_need_its_first_results_into_the_same_steps(busy):
    """gathered() inside a plan: the plans it starts after the plan's first step run their steps beside the
    other plans' next steps (one round trip a step on PostgreSQL), and the plan gets their results."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from riskcase.lib.precompiled import gathered, run_plans

    m = busy.merchant_id
    counted = lambda: diagnosis._warnings_counted.later(merchant_id=m)  # noqa: E731

    def two_steps(first):
        second = yield counted()
        return len(first), second == first

    def one_step():
        return (yield counted())

    def outer():
        first = yield counted()
        both = yield from gathered(two_steps(first), one_step())
        return both

    def beside():
        seen = 0
        for _ in range(3):
            yield counted()
            seen += 1
        return seen

    with CaptureQueriesContext(connection) as sent:
        results = run_plans(outer(), beside())
    expected = list(diagnosis._warnings_counted.build(merchant_id=m))
    assert results == [[(len(expected), True), expected], 3]
    assert len(sent) == (3 if connection.vendor == "postgresql" else 6)
