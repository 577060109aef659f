"""Issue 17: on PostgreSQL the precompiled reads are statements prepared once per database session
(riskcase.lib.precompiled): plain SQL the first time a session runs one, PREPARE the second, EXECUTE after
that, still client-side bound and still one message per round trip. Each test compares with the reads sent as
plain SQL (RISKCASE_PREPARED_STATEMENTS off)."""
import re
from datetime import date, datetime

import pytest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from psycopg.adapt import Transformer

from portal import diagnosis, metrics
from riskcase.lib import precompiled
from riskcase.lib.precompiled import Pending, Precompiled, together
from tests.api.conftest import frozen_now  # noqa: F401 (a fixture: the API tests' frozen day)
from tests.api.test_read_fast_serializer import _busy_merchant
from tests.portal.test_precompiled_queries import _state

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.usefixtures("frozen_now")]
# A test that starts a new database session commits its data first (closing the connection ends a transaction).
new_sessions = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NOW = datetime.fromisoformat("2026-06-30T12:00:00+08:00")
_named = Precompiled(lambda name: diagnosis.Warning.objects.filter(merchant_id=name).values("id", "risk_point"),
                     name=str)


@pytest.fixture
def busy(request):
    """A merchant with warnings, violations (some appealed), penalties and metrics. In a transactional test the
    rows the migrations seeded were put back by id (serialized_rollback) behind their sequences' backs: the
    sequences are moved past them first, as loaddata does, so that a new row does not take a seeded row's id."""
    from django.apps import apps
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)
    merchant = request.getfixturevalue("merchant")
    _busy_merchant(merchant)
    return merchant


def _reads(m):
    """Reads of every kind of parameter (text, timestamptz, date, boolean, a padded list) and of result (model
    instances, dicts, tuples of a wrapped query with a constant in its select list, a value with a % and a ;)."""
    return [
        diagnosis._appealable.later(merchant_id=m, now=NOW),
        _named.later(name="50%; DROP TABLE x; --"),
        diagnosis._warnings_counted.later(merchant_id=m),
        metrics.window_sums_read(m, {"c": ("complaint_rate", date(2026, 6, 1), date(2026, 6, 30), True)}),
        diagnosis._ranked_first.later(merchant_id=m),
        diagnosis._violations_counted.later(merchant_id=m, now=NOW),
    ]


def _results(found):
    """What the reads found; the warnings' counts (a GROUP BY without an ORDER BY) in a fixed order."""
    found = [[_state(row) for row in r] if isinstance(r, list) else r for r in found]
    found[2] = sorted(found[2])
    return found


def _sent(captured):
    return [sql for query in captured.captured_queries for sql in query["sql"].split(";\n")]


def _prepared_in_session():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return cursor.fetchone()[0]


@new_sessions
def test_reads_are_prepared_the_second_time_then_executed_and_give_what_plain_sql_gives(busy, settings):
    m = busy.merchant_id
    settings.RISKCASE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as plain_sent:
        plain = _results(together(*_reads(m)))
    assert not any(sql.startswith(("PREPARE", "EXECUTE")) for sql in _sent(plain_sent))

    settings.RISKCASE_PREPARED_STATEMENTS = True
    connection.close()  # a new session: nothing prepared in it yet
    sent = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as captured:
            assert _results(together(*_reads(m))) == plain
        assert len(captured) == 1  # one message each time
        sent.append(_sent(captured))
    assert plain[0] and plain[2] and plain[3]["c"][1] and plain[4] and plain[5]
    # The first time as plain SQL (a session of one request prepares nothing), the second time six PREPAREs and
    # six EXECUTEs, six EXECUTEs only after that.
    assert sent[0] == _sent(plain_sent)
    assert [s.split(" ", 1)[0] for s in sent[1]] == ["PREPARE", "EXECUTE"] * 6
    assert [s.split("(", 1)[0].split(" ", 1)[0] for s in sent[2]] == ["EXECUTE"] * 6
    assert "50%; DROP TABLE x; --" not in sent[1][2]  # the value went with the EXECUTE, quoted
    assert "'50%; DROP TABLE x; --'" in sent[1][3]


@new_sessions
def test_a_new_session_prepares_them_again(busy):
    m = busy.merchant_id
    expected = _results(together(*_reads(m)))
    assert _results(together(*_reads(m))) == expected  # prepared
    connection.close()
    with CaptureQueriesContext(connection) as sent:
        assert _results(together(*_reads(m))) == expected
        assert _results(together(*_reads(m))) == expected
    assert sum(sql.startswith("PREPARE") for sql in _sent(sent)) == 6


@new_sessions
@pytest.mark.parametrize("broken_first", [True, False], ids=["before-the-prepares", "after-the-prepares"])
@pytest.mark.parametrize("in_atomic", [True, False], ids=["in-a-transaction", "autocommit"])
def test_a_failing_statement_fails_the_reads_and_the_next_ones_still_work(busy, broken_first, in_atomic):
    """When a message fails, the server made the PREPAREs before the failing statement (PREPARE is not undone by
    a rollback) and none after it: those statements are prepared anew, under names never used before, so that
    neither "does not exist" (one never made) nor "already exists" (one made) can follow."""
    m = busy.merchant_id
    expected = _results(together(*_reads(m)))
    connection.close()
    assert _results(together(*_reads(m))) == expected  # seen once in the new session: prepared the next time
    broken = Pending(connections[DEFAULT_DB_ALIAS], "SELECT * FROM no_such_table WHERE id = %s", [1], list)
    reads = [broken, *_reads(m)] if broken_first else [*_reads(m), broken]
    with pytest.raises(DatabaseError):
        if in_atomic:
            with transaction.atomic():
                together(*reads)
        else:
            together(*reads)
    assert _results(together(*_reads(m))) == expected
    assert _results(together(*_reads(m))) == expected


@new_sessions
def test_a_session_keeps_at_most_max_prepared_statements(busy, monkeypatch):
    """Past MAX_PREPARED the least recently used statement is deallocated: lists of many lengths (each length its
    own SQL) cannot fill the server's memory."""
    monkeypatch.setattr(precompiled, "MAX_PREPARED", 3)
    connection.close()
    by_ids = Precompiled(lambda ids: diagnosis.Warning.objects.filter(merchant_id__in=ids).values("id"), ids=[str])
    expected = sorted(diagnosis.Warning.objects.filter(merchant_id=busy.merchant_id).values_list("id", flat=True))
    assert expected
    for length in (1, 2, 3, 5, 9, 17, 2):  # six lengths padded to six powers of two: six statements, then one again
        for _ in range(2):  # the second time prepared
            assert sorted(r["id"] for r in by_ids(ids=[busy.merchant_id] + ["nobody"] * (length - 1))) == expected
        assert _prepared_in_session() <= 3
    assert _prepared_in_session() == 3


@pytest.mark.parametrize(("params", "row"), [
    ([[3, 1, 2], 7], ([3, 1, 2], 7, "100%")),  # a list
    ([2**70, 7], (2**70, 7, "100%")),  # an int beyond bigint, which psycopg writes as a numeric
], ids=["list", "huge-int"])
def test_a_value_of_a_type_it_does_not_prepare_is_sent_as_plain_sql(busy, params, row):
    """A statement with a parameter of another type is sent bound client-side, as psycopg binds it."""
    sql = "SELECT %s AS xs, %s AS n, '100%%' AS p"
    with CaptureQueriesContext(connection) as sent:
        assert together(Pending(connections[DEFAULT_DB_ALIAS], sql, params, list)) == [[row]]
    with connection.cursor() as cursor:
        assert _sent(sent) == [cursor.cursor.mogrify(sql, params)]


def test_remembered_literals_are_those_psycopg_writes_each_value_by_its_own_type(busy, monkeypatch):
    """The literals a session remembers (the values that repeat: days, ids, limits) are written as psycopg writes
    them, True apart from 1 and False from 0 though they are equal, whatever was remembered before; long
    strings are not kept, and the memory is bounded."""
    values = [True, 1, False, 0, -5, 2**40, "", "it's", "back\\slash", "五十%; --", "x" * 64, "y" * 65,
              date(2026, 6, 1), datetime(2026, 6, 1, 12, tzinfo=NOW.tzinfo), 1.5]
    prepared = precompiled._Prepared()
    with connection.cursor() as cursor:
        literal = Transformer.from_context(cursor.cursor).as_literal
        for _round in range(2):  # written the first time, remembered the second
            for value in values:
                assert prepared._literal(value, literal) == literal(value), value
        assert ("y" * 65) not in {value for _kind, value in prepared.literals}
        monkeypatch.setattr(precompiled, "MAX_REMEMBERED", 3)
        for day in range(1, 10):
            prepared._literal(date(2026, 7, day), literal)
        assert len(prepared.literals) <= 3


def _retype_product_id(collation):
    """What a migration may do under running web processes: change a column that the reads return."""
    with connection.cursor() as cursor:
        for table in ("cases_warning", "cases_violation"):
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN product_id TYPE varchar(64) COLLATE "{collation}"')


@new_sessions
@pytest.mark.parametrize("in_atomic", [True, False], ids=["in-a-transaction", "autocommit"])
def test_reads_prepared_before_a_migration_changed_their_columns_still_run(busy, in_atomic):
    """The server refuses a statement prepared before its result's columns changed ("cached plan must not change
    result type"): the session's statements are made anew and the reads sent again, inside a transaction from
    the savepoint the message took, and the transaction goes on."""
    m = busy.merchant_id
    expected = _results(together(*_reads(m)))
    assert _results(together(*_reads(m))) == expected  # prepared
    try:
        if in_atomic:
            with transaction.atomic():
                _retype_product_id("C")
                assert _results(together(*_reads(m))) == expected
                assert diagnosis.Warning.objects.filter(merchant_id=m).exists()  # the transaction goes on
        else:
            _retype_product_id("C")
            assert _results(together(*_reads(m))) == expected
        with CaptureQueriesContext(connection) as sent:
            for _ in range(2):  # seen again, prepared again, then executed
                assert _results(together(*_reads(m))) == expected
        assert [s.split("(", 1)[0].split(" ", 1)[0] for s in _sent(sent)[-6:]] == ["EXECUTE"] * 6
    finally:
        _retype_product_id("default")


def _lose_statements():
    """What a DISCARD ALL or a pooler handing this client another server session does: the session's statements
    are gone, behind the process's back."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")


def test_statement_names_are_unique_to_the_process_and_drawn_again_after_a_fork(monkeypatch):
    first, second = precompiled._statement_name(), precompiled._statement_name()
    token = first.split("_")[1]
    assert re.fullmatch(r"riskcase_[0-9a-f]{8}_\d+", first) and second.split("_")[1] == token and first != second
    monkeypatch.setattr(precompiled.os, "getpid", lambda: -1)  # a forked worker
    assert precompiled._statement_name().split("_")[1] != token


@new_sessions
@pytest.mark.parametrize("in_atomic", [True, False], ids=["in-a-transaction", "autocommit"])
def test_a_session_that_lost_its_statements_prepares_them_again(busy, in_atomic, monkeypatch):
    monkeypatch.setattr(precompiled._Prepared, "losses", 0)
    m = busy.merchant_id
    expected = _results(together(*_reads(m)))
    assert _results(together(*_reads(m))) == expected  # prepared
    _lose_statements()
    if in_atomic:
        with transaction.atomic():
            assert _results(together(*_reads(m))) == expected
            assert diagnosis.Warning.objects.filter(merchant_id=m).exists()  # the transaction goes on
    else:
        assert _results(together(*_reads(m))) == expected
    with CaptureQueriesContext(connection) as sent:
        for _ in range(2):  # seen again, prepared again, then executed
            assert _results(together(*_reads(m))) == expected
    assert [s.split(" ", 1)[0] for s in _sent(sent)[-len(_reads(m)):]] == ["EXECUTE"] * len(_reads(m))
    assert precompiled._Prepared.losses == 1


@new_sessions
def test_a_process_whose_sessions_keep_losing_them_says_so_and_sends_plain_sql(busy, monkeypatch, caplog):
    """A pooler that shares server sessions between clients loses a client's statements again and again: past
    LOSSES_BEFORE_PLAIN_SQL the process logs an error naming the setting and stops preparing."""
    monkeypatch.setattr(precompiled._Prepared, "losses", 0)
    m = busy.merchant_id
    expected = _results(together(*_reads(m)))
    for _ in range(precompiled.LOSSES_BEFORE_PLAIN_SQL):
        assert _results(together(*_reads(m))) == expected  # prepared (again)
        _lose_statements()
        assert _results(together(*_reads(m))) == expected  # lost, made anew
    errors = [r for r in caplog.records if r.name == "riskcase.lib.precompiled" and r.levelname == "ERROR"]
    assert len(errors) == 1 and "RISKCASE_PREPARED_STATEMENTS=0" in errors[0].getMessage()
    with CaptureQueriesContext(connection) as sent:
        for _ in range(2):
            assert _results(together(*_reads(m))) == expected
    assert not any(s.startswith(("EXECUTE ", "PREPARE ")) for s in _sent(sent))
