"""Issue 17: PostgreSQL's timestamps are read by the standard library's parser (riskcase.lib.timestamps), into
the same values Django's own loader gives, on every new connection; what that parser does not take goes to
Django's loader, which reads or refuses it as before."""
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import DataError, connection, transaction
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

from riskcase.lib.timestamps import IsoTzLoader, loader_for

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

MOMENTS = [
    datetime(2026, 12, 1, 6, 33, 23, 258769, tzinfo=UTC),
    datetime(2026, 12, 1, 6, 33, 23, 250000, tzinfo=UTC),  # PostgreSQL writes ".25"
    datetime(2026, 12, 1, 6, 33, 23, tzinfo=UTC),  # no fraction at all
    datetime(99, 1, 1, tzinfo=UTC),  # a year of two digits, written "0099"
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 6, 30, 12, tzinfo=timezone(timedelta(hours=8))),
]
SQL = "SELECT " + ", ".join(["%s::timestamptz"] * len(MOMENTS))


def _loader(wrapper=connection):
    oid = wrapper.connection.adapters.types["timestamptz"].oid
    return wrapper.connection.adapters.get_loader(oid, Format.TEXT)


def _read(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _with_djangos_loader(sql, params=()):
    register_tzloader(connection.timezone, connection.connection)
    try:
        return _read(sql, params)
    finally:
        connection.connection.adapters.register_loader("timestamptz", loader_for(connection.timezone))


def test_every_new_connection_reads_timestamps_with_the_iso_loader():
    connection.ensure_connection()
    another = connection.copy()
    try:
        another.ensure_connection()
        for wrapper in (connection, another):
            assert issubclass(_loader(wrapper), IsoTzLoader) and _loader(wrapper).timezone == connection.timezone
    finally:
        another.close()


def test_the_iso_loader_reads_what_djangos_reads():
    ours = _read(SQL, MOMENTS)
    djangos = _with_djangos_loader(SQL, MOMENTS)
    assert ours == djangos == tuple(MOMENTS)
    assert [value.tzinfo for value in ours] == [value.tzinfo for value in djangos]  # Django's zone, not an offset
    assert [value.isoformat() for value in ours] == [value.isoformat() for value in djangos]


def test_a_session_in_another_zone_gives_the_same_instants():
    moments = MOMENTS[:4] + MOMENTS[5:]  # not the last instant of year 9999: in +05:30 it is in year 10000
    sql = "SELECT " + ", ".join(["%s::timestamptz"] * len(moments))
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Asia/Kolkata'")  # offsets of +05:30 in the text
        try:
            read = _read(sql, moments)
            assert read == tuple(moments)
            assert {value.tzinfo for value in read} == {connection.timezone}  # in Django's zone, as Django's are
        finally:
            cursor.execute("SET TIME ZONE %s", [connection.timezone_name])


@pytest.mark.parametrize("sql", ["SELECT 'infinity'::timestamptz", "SELECT '0044-03-15 12:00:00+00 BC'::timestamptz",
                                 "SELECT '10000-01-01 00:00:00+00'::timestamptz"], ids=["infinity", "bc", "year-10000"])
def test_what_the_standard_parser_refuses_is_djangos_loaders_to_read_or_refuse(sql):
    with pytest.raises(DataError) as ours, transaction.atomic():
        _read(sql)
    with pytest.raises(DataError) as djangos, transaction.atomic():
        _with_djangos_loader(sql)
    assert str(ours.value) == str(djangos.value)
