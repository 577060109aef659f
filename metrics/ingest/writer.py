"""Writes a batch of validated facts: new ones inserted, repeats classified as duplicate or conflict.

One multi-row `INSERT ... ON CONFLICT DO NOTHING RETURNING` per table and chunk (PostgreSQL and
SQLite alike) says which facts are new; the rest are compared with what is stored. The database
decides, so two ingests racing on the same id still classify correctly.
"""
from datetime import date, datetime, timedelta

from django.db import connection, transaction

from metrics.models import UNKNOWN_MERCHANT, Complaint, Merchant, Order, OrderVerification, Refund, Review, StaleDay
from metrics.partitions import DAY_COLUMNS, ensure_partitions

TABLES = {
    "order_paid": Order,
    "order_verified": OrderVerification,
    "review_posted": Review,
    "complaint_filed": Complaint,
    "refund_completed": Refund,
}
# The facts that reach their merchant through their order: each is stored with its order's merchant_id.
ON_ORDERS = ("order_verified", "review_posted", "complaint_filed", "refund_completed")
ROWS_PER_STATEMENT = 500


class Outcome:
    NEW = "new"
    DUPLICATE = "duplicate"
    CONFLICT = "conflicting"
    SUPERSEDED = "superseded"


def _adapt(value):
    ops = connection.ops
    if isinstance(value, datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return ops.adapt_datefield_value(value)
    return value


def _insert_new(model, facts, merchants):
    """Insert facts whose key is not stored yet; return the set of keys inserted. `merchants` gives the
    merchant_id of each fact on an order (by fact key), None for orders (whose merchant is in the fact)."""
    columns = [model._meta.pk.column, *facts[0].values.keys()]
    rows = [(fact.key, *fact.values.values()) for fact in facts]
    if merchants is not None:
        columns.append("merchant_id")
        rows = [(*row, merchants[fact.key]) for row, fact in zip(rows, facts, strict=True)]
    if connection.vendor == "postgresql":
        return _insert_new_by_copy(model, columns, rows)
    return _insert_new_by_values(model, columns, rows)


def _insert_new_by_values(model, columns, rows):
    q = connection.ops.quote_name
    pk = q(columns[0])
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    inserted = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start:start + ROWS_PER_STATEMENT]
            params = []
            for row in chunk:
                params.extend(_adapt(v) for v in row)
            cursor.execute(
                f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) "
                f"VALUES {', '.join([row_sql] * len(chunk))} "
                f"ON CONFLICT ({pk}) DO NOTHING RETURNING {pk}",
                params,
            )
            inserted.update(row[0] for row in cursor.fetchall())
    return inserted


def _insert_new_by_copy(model, columns, rows):
    """PostgreSQL: COPY into a transaction-scoped staging table, then one INSERT ... SELECT.

    COPY skips SQL parsing of thousands of parameters, the bulk of the cost of a VALUES list. The table is
    partitioned by day (metrics/partitions.py), so its unique key is (id, day): an id stored under another
    day is found by the NOT EXISTS probe of every partition, and an advisory lock per table, held to the end
    of the batch, makes two ingests racing on the same id take turns, so the database still decides.
    """
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    stage = q(f"stage_{model._meta.db_table}")
    column_list = ", ".join(q(c) for c in columns)
    pk = q(columns[0])
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        with cursor.copy(f"COPY {stage} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {stage} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{pk} = s.{pk}) "
            f"ON CONFLICT DO NOTHING RETURNING {pk}"
        )
        inserted = {row[0] for row in cursor.fetchall()}
        cursor.execute(f"TRUNCATE {stage}")
    return inserted


def _stored(model, keys, fields):
    return {
        row[0]: dict(zip(fields, row[1:], strict=False))
        for row in model.objects.filter(pk__in=keys).values_list("pk", *fields)
    }


def _merchants_of_orders(facts):
    """{fact key: the merchant_id of its order, or UNKNOWN_MERCHANT while the order is not stored}."""
    order_ids = {fact.values.get("order_id", fact.key) for fact in facts}
    known = dict(Order.objects.filter(order_id__in=order_ids).values_list("order_id", "merchant_id"))
    return {fact.key: known.get(fact.values.get("order_id", fact.key), UNKNOWN_MERCHANT) for fact in facts}


def _adopt(order_ids):
    """The facts stored before their order (UNKNOWN_MERCHANT) move to the merchant of the orders just stored.

    PostgreSQL: one DELETE ... RETURNING feeding an INSERT per table, never an UPDATE of merchant_id, which a
    database distributed by merchant cannot do in place. SQLite: an UPDATE."""
    if not order_ids:
        return
    merchants = dict(Order.objects.filter(order_id__in=order_ids).values_list("order_id", "merchant_id"))
    ids, owners = list(merchants), list(merchants.values())
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for kind in ON_ORDERS:
            model = TABLES[kind]
            table = q(model._meta.db_table)
            if connection.vendor == "postgresql":
                columns = [f.column for f in model._meta.concrete_fields if f.column != "merchant_id"]
                column_list = ", ".join(q(c) for c in columns)
                cursor.execute(
                    f"WITH moved AS (DELETE FROM {table} WHERE merchant_id = %s AND order_id = ANY(%s) "
                    f"RETURNING {column_list}) "
                    f"INSERT INTO {table} ({column_list}, merchant_id) "
                    f"SELECT {', '.join(f'm.{q(c)}' for c in columns)}, n.merchant_id FROM moved m "
                    f"JOIN unnest(%s::varchar[], %s::varchar[]) AS n (order_id, merchant_id) ON n.order_id = m.order_id",
                    [UNKNOWN_MERCHANT, ids, ids, owners])
            else:
                cursor.executemany(f"UPDATE {table} SET merchant_id = %s WHERE merchant_id = %s AND order_id = %s",
                                   [(owner, UNKNOWN_MERCHANT, order_id) for order_id, owner in merchants.items()])


def _write_facts(model, entries, outcome):
    """entries: [(line_no, fact)] with distinct keys."""
    facts = [fact for _, fact in entries]
    on_order = model is not Order
    inserted = _insert_new(model, facts, _merchants_of_orders(facts) if on_order else None)
    if not on_order:
        _adopt(inserted)
    repeats = [(line, fact) for line, fact in entries if fact.key not in inserted]
    stored = _stored(model, [f.key for _, f in repeats], list(facts[0].values.keys())) if repeats else {}
    for line, fact in entries:
        if fact.key in inserted:
            outcome(line, fact, Outcome.NEW)
        elif stored.get(fact.key) == fact.values:
            outcome(line, fact, Outcome.DUPLICATE)
        else:
            outcome(line, fact, Outcome.CONFLICT)


_MERCHANT_UPSERT = """
INSERT INTO {table} (merchant_id, name, category, entity_id, occurred_at)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (merchant_id) DO UPDATE SET
    name = excluded.name, category = excluded.category,
    entity_id = excluded.entity_id, occurred_at = excluded.occurred_at
WHERE excluded.occurred_at > {table}.occurred_at
RETURNING merchant_id
"""


def _write_merchants(entries, outcome):
    """merchant_upserted: the latest occurred_at wins; an equal one with other content conflicts."""
    fields = ["name", "category", "entity_id", "occurred_at"]
    stored = _stored(Merchant, [f.key for _, f in entries], fields)
    sql = _MERCHANT_UPSERT.format(table=connection.ops.quote_name(Merchant._meta.db_table))
    with connection.cursor() as cursor:
        for line, fact in entries:
            current = stored.get(fact.key)
            if current is not None and fact.values["occurred_at"] == current["occurred_at"]:
                same = current == fact.values
                outcome(line, fact, Outcome.DUPLICATE if same else Outcome.CONFLICT)
                continue
            cursor.execute(sql, [fact.key, *(_adapt(fact.values[f]) for f in fields)])
            if cursor.fetchall():
                stored[fact.key] = fact.values
                outcome(line, fact, Outcome.NEW)
                continue
            # Not written: judge against the row as it is now, not the snapshot read before. Another
            # ingest may have committed this merchant meanwhile (the upsert waited for it), and its
            # record with the same occurred_at is a duplicate or a conflict, never "superseded".
            current = _stored(Merchant, [fact.key], fields).get(fact.key)
            stored[fact.key] = current
            if current is not None and current["occurred_at"] == fact.values["occurred_at"]:
                outcome(line, fact, Outcome.DUPLICATE if current == fact.values else Outcome.CONFLICT)
            else:
                outcome(line, fact, Outcome.SUPERSEDED)


# The fact's own day, and how many days before it a metric day it changes can lie:
# a complaint, review or refund changes the cohort of an order paid or verified up to 6 days earlier.
AFFECTS = {
    "order_paid": ("paid_day", 0),
    "order_verified": ("verified_day", 0),
    "review_posted": ("posted_day", 6),
    "complaint_filed": ("filed_day", 6),
    "refund_completed": ("refunded_day", 6),
}


def _record_earliest_day(new_facts):
    days = [f.values[AFFECTS[f.kind][0]] - timedelta(days=AFFECTS[f.kind][1])
            for f in new_facts if f.kind in AFFECTS]
    if days:
        StaleDay.objects.create(day=min(days))


def _lock_tables(kinds):
    """PostgreSQL: one advisory lock per fact table the batch writes, to the end of its transaction, taken in
    one order by every ingest (so two never deadlock): racing ingests of one table take turns. A batch of
    orders also writes the facts on them (their merchant_id), so it locks every fact table: a fact stored
    before its order is either seen by the order's batch or sees the order, never neither."""
    if connection.vendor != "postgresql":
        return
    if "order_paid" in kinds:
        kinds = set(TABLES)
    with connection.cursor() as cursor:
        for kind in sorted(kinds):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"ingest:{TABLES[kind]._meta.db_table}"])


def write_batch(entries, outcome):
    """Write [(line_no, Fact)] in one transaction, calling outcome(line_no, fact, Outcome.X) for each."""
    new_facts = []

    def tracked(line, fact, result):
        if result == Outcome.NEW:
            new_facts.append(fact)
        outcome(line, fact, result)

    # Merchants and orders first, so the facts on an order of the same batch find its merchant.
    by_kind = {"merchant_upserted": [], "order_paid": []}
    for line, fact in entries:
        by_kind.setdefault(fact.kind, []).append((line, fact))
    by_kind = {kind: kind_entries for kind, kind_entries in by_kind.items() if kind_entries}
    with transaction.atomic():
        _lock_tables(set(by_kind) & set(TABLES))
        for kind, kind_entries in by_kind.items():
            if kind == "merchant_upserted":
                _write_merchants(kind_entries, tracked)
                continue
            # The first line with a key goes to the database; later ones in the batch compare with it.
            first, later = {}, []
            for line, fact in kind_entries:
                if fact.key in first:
                    later.append((line, fact))
                else:
                    first[fact.key] = (line, fact)
            ensure_partitions(kind, {fact.values[DAY_COLUMNS[kind]] for _, fact in first.values()})
            _write_facts(TABLES[kind], list(first.values()), tracked)
            for line, fact in later:
                same = first[fact.key][1].values == fact.values
                tracked(line, fact, Outcome.DUPLICATE if same else Outcome.CONFLICT)
        _record_earliest_day(new_facts)
