"""Day-range partitions of the fact tables and the retention that drops the oldest history.

On PostgreSQL each fact table is partitioned by RANGE on its day column (declarative partitioning, one
partition a calendar month, named `<table>_pYYYYMM`, plus a DEFAULT partition that only catches rows written
around the ingest, such as by admin scripts), so the cohort statement's day ranges prune to the few partitions
they need and retention drops whole partitions instead of deleting rows. The ingest creates the partitions a
batch needs before it writes. Retention keeps the RISKCASE_FACT_RETENTION_DAYS days (default 180) ending at
the as-of day, rounded down to the start of that month, records that first kept day, and the ingest from then
on rejects a fact dated before it with a clear message. On SQLite there are no partitions: retention deletes
the same rows, so the behaviour is the same.
"""
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction

from .models import Complaint, FactRetention, Order, OrderVerification, Refund, Review

# fact type: (model, key column, day column)
FACT_TABLES = {
    "order_paid": (Order, "order_id", "paid_day"),
    "order_verified": (OrderVerification, "order_id", "verified_day"),
    "review_posted": (Review, "review_id", "posted_day"),
    "complaint_filed": (Complaint, "complaint_id", "filed_day"),
    "refund_completed": (Refund, "refund_id", "refunded_day"),
}
DAY_COLUMNS = {kind: day for kind, (_, _, day) in FACT_TABLES.items()}

# table -> months known to have a committed partition, so most batches ask the catalog nothing. Only added to
# after a commit (a rolled-back creation is not remembered); a partition dropped by retention in another process
# can stay remembered here, which is harmless: a row for a month without its partition lands in DEFAULT.
_known = {}


def month_start(day):
    return day.replace(day=1)


def next_month(first):
    return (first + timedelta(days=32)).replace(day=1)


def partition_name(table, first):
    return f"{table}_p{first:%Y%m}"


def _is_partitioned(cursor, table):
    cursor.execute("SELECT 1 FROM pg_partitioned_table pt JOIN pg_class c ON c.oid = pt.partrelid "
                   "WHERE c.relname = %s AND c.relnamespace = 'public'::regnamespace", [table])
    return cursor.fetchone() is not None


def _partition_months(cursor, table):
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s", [table])
    months = set()
    for (name,) in cursor.fetchall():
        suffix = name[len(table) + 2:]
        if name.startswith(f"{table}_p") and len(suffix) == 6 and suffix.isdigit():
            months.add(date(int(suffix[:4]), int(suffix[4:]), 1))
    return months


def partitions_lock(table):
    """The advisory lock that guards the list of `table`'s partitions: taken exclusive to create or drop one, and
    shared by an ingest batch that names them (metrics/ingest/writer.py), so they stay as listed to its end."""
    return f"partitions:{table}"


def partition_tables(cursor, tables):
    """{table: [its partitions' names, DEFAULT included]} (PostgreSQL), [] for a table that is not partitioned."""
    cursor.execute("SELECT p.relname, c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                   "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ANY(%s) "
                   "AND p.relnamespace = 'public'::regnamespace ORDER BY 1, 2", [list(tables)])
    found = {table: [] for table in tables}
    for table, name in cursor.fetchall():
        found[table].append(name)
    return found


def partitions(model):
    """The first days of the months that have a partition of `model`'s table (PostgreSQL), sorted."""
    with connection.cursor() as cursor:
        return sorted(_partition_months(cursor, model._meta.db_table))


def create_partition(cursor, table, day_column, first):
    """Create the month partition starting at `first`, moving in any rows the DEFAULT partition holds for it."""
    q = connection.ops.quote_name
    name, default = q(partition_name(table, first)), q(f"{table}_default")
    bounds = [first, next_month(first)]
    cursor.execute(f"SELECT 1 FROM {default} WHERE {q(day_column)} >= %s AND {q(day_column)} < %s LIMIT 1", bounds)
    if cursor.fetchone() is None:
        cursor.execute(f"CREATE TABLE {name} PARTITION OF {q(table)} FOR VALUES FROM (%s) TO (%s)", bounds)
        return
    cursor.execute(f"CREATE TABLE {name} (LIKE {q(table)} INCLUDING DEFAULTS)")
    cursor.execute(
        f"WITH moved AS (DELETE FROM {default} WHERE {q(day_column)} >= %s AND {q(day_column)} < %s RETURNING *) "
        f"INSERT INTO {name} SELECT * FROM moved", bounds)
    cursor.execute(f"ALTER TABLE {q(table)} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", bounds)


def ensure_partitions(kind, days):
    """Make sure the table of fact type `kind` has a partition for every day in `days` (PostgreSQL; a no-op
    elsewhere). Called by the ingest in a transaction of its own before the batch's (in the batch's within a
    caller's transaction); serialised per table by an advisory lock, so two ingests never create the same
    partition."""
    if connection.vendor != "postgresql" or kind not in FACT_TABLES:
        return
    model, _, day_column = FACT_TABLES[kind]
    table = model._meta.db_table
    needed = {month_start(d) for d in days}
    if needed <= _known.get(table, set()):
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [partitions_lock(table)])
        if not _is_partitioned(cursor, table):
            return
        existing = _partition_months(cursor, table)
        for first in sorted(needed - existing):
            create_partition(cursor, table, day_column, first)
        existing |= needed
    transaction.on_commit(lambda: _known.setdefault(table, set()).update(existing))


def retained_from():
    """The first day of fact history still kept (None when retention has never dropped anything)."""
    row = FactRetention.objects.filter(pk=1).values_list("kept_from", flat=True).first()
    return row


def drop_expired_facts(*, as_of, keep_days=None):
    """Drop the fact history before the month holding the first of the `keep_days` days ending at `as_of`
    (default RISKCASE_FACT_RETENTION_DAYS): whole partitions on PostgreSQL (and the DEFAULT partition's rows),
    a DELETE on SQLite. Records the first kept day, which the ingest checks from then on. Idempotent; never
    moves the kept history back. Returns (first kept day, {table: partitions or rows dropped})."""
    keep_days = keep_days or settings.RISKCASE_FACT_RETENTION_DAYS
    kept_from = month_start(as_of - timedelta(days=keep_days - 1))
    dropped = {}
    q = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        current = FactRetention.objects.select_for_update().filter(pk=1).first()
        if current and current.kept_from >= kept_from:
            return current.kept_from, dropped
        # The partitions' locks in the order an ingest batch takes them (by table name).
        for model, _, day_column in sorted(FACT_TABLES.values(), key=lambda fact: fact[0]._meta.db_table):
            table = model._meta.db_table
            if connection.vendor == "postgresql":  # no ingest batch is naming its partitions meanwhile
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [partitions_lock(table)])
            if connection.vendor == "postgresql" and _is_partitioned(cursor, table):
                old = sorted(m for m in _partition_months(cursor, table) if m < kept_from)
                for first in old:
                    cursor.execute(f"DROP TABLE {q(partition_name(table, first))}")
                _known.pop(table, None)
                cursor.execute(f"DELETE FROM {q(table + '_default')} WHERE {q(day_column)} < %s", [kept_from])
                dropped[table] = len(old)
            else:
                cursor.execute(f"DELETE FROM {q(table)} WHERE {q(day_column)} < %s",
                               [connection.ops.adapt_datefield_value(kept_from)])
                dropped[table] = cursor.rowcount
        FactRetention.objects.update_or_create(pk=1, defaults={"kept_from": kept_from})
    return kept_from, dropped
