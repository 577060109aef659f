"""Writes a batch of validated facts, set-based: new ones inserted, repeats classified as duplicate or conflict.

PostgreSQL, per fact table and batch, a fixed number of statements whatever the batch's size:

1. one probe of the stored ids (the batch's ids as one JSON array, `WHERE id = ANY(...)` through the index
   of every month partition): only the repeats come back, compared with the batch's content in Python
   (duplicate or conflict);
2. for facts on an order, the merchant of each: remembered from the orders this ingest stored
   (RecentOrders), else one look-up of the others; a fact whose order is not stored yet is held back to the
   next batches while its order may still come (HoldBack), then stored under UNKNOWN_MERCHANT;
3. one binary `COPY` of the new facts straight into the table;
4. for orders, the facts stored before them move to their merchant (only when some are waiting).

SQLite: a staging table, a probe joined to it and an `INSERT ... SELECT` (the same outcomes).

An advisory lock per table, held to the end of the batch, makes ingests of the same table take turns, so
the probe and the insert see the same stored ids and the database decides. merchant_upserted (rare, and
"latest wins") keeps a statement per fact.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import add, itemgetter

import orjson
from django.db import connection, transaction

from metrics.models import UNKNOWN_MERCHANT, Complaint, Merchant, Order, OrderVerification, Refund, Review, StaleDay
from metrics.partitions import DAY_COLUMNS, ensure_partitions, partition_tables, partitions_lock

from .facts import COLUMNS

TABLES = {
    "order_paid": Order,
    "order_verified": OrderVerification,
    "review_posted": Review,
    "complaint_filed": Complaint,
    "refund_completed": Refund,
}
# The facts that reach their merchant through their order: each is stored with its order's merchant_id.
ON_ORDERS = ("order_verified", "review_posted", "complaint_filed", "refund_completed")
# Merchants and orders first, so the facts on an order of the same batch find its merchant.
WRITE_ORDER = ("merchant_upserted", "order_paid", *ON_ORDERS)
ROWS_PER_STATEMENT = 500  # SQLite: rows per INSERT of the staging table

# The fact's own day, and how many days before it a metric day it changes can lie:
# a complaint, review or refund changes the cohort of an order paid or verified up to 6 days earlier.
AFFECTS = {
    "order_paid": 0,
    "order_verified": 0,
    "review_posted": 6,
    "complaint_filed": 6,
    "refund_completed": 6,
}


class Outcome:
    NEW = "new"
    DUPLICATE = "duplicate"
    CONFLICT = "conflicting"
    SUPERSEDED = "superseded"


def _q(name):
    return connection.ops.quote_name(name)


def _adapt(value):
    ops = connection.ops
    if isinstance(value, datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return ops.adapt_datefield_value(value)
    return value


@dataclass(frozen=True)
class HoldBack:
    """Which facts on an order not stored yet a batch may hand back to the caller (sink.hold), to be written
    with a later batch, rather than store them under no merchant: those of lines from `oldest` on. A fact
    from before `first_new` was held back before and looked up then: it waits for its order among the orders
    this ingest stores (RecentOrders) without another look-up, until it is too old to wait any longer."""

    first_new: int  # the first line of the batch's own input
    oldest: int  # the oldest line that may still wait

    def waits(self, line):
        return line >= self.oldest


class RecentOrders:
    """The merchants of the orders this ingest stored last (at most about 2 x LIMIT, in two generations), so
    that a fact on one of them takes its merchant here rather than by a look-up of every month partition
    of the orders. Facts in a feed follow their orders closely; an order not remembered is looked up."""

    LIMIT = 50_000

    def __init__(self):
        self.current, self.previous = {}, {}

    def add(self, pairs):
        self.current.update(pairs)
        if len(self.current) > self.LIMIT:
            self.previous, self.current = self.current, {}


def _stage(kind, entries):
    """SQLite: fill the staging table of `kind` with [(line, row)]; return its quoted name."""
    table = TABLES[kind]._meta.db_table
    stage = _q(f"stage_{table}")
    columns = ", ".join(_q(c) for c in ("line", *COLUMNS[kind]))
    with connection.cursor() as cursor:
        # Every column of the table, none NOT NULL (a fact on an order has no merchant_id until it is stored).
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT 0 AS line, * FROM {_q(table)} WHERE 1 = 0")
        cursor.execute(f"DELETE FROM {stage}")
        marks = "(" + ", ".join(["%s"] * (len(COLUMNS[kind]) + 1)) + ")"
        for start in range(0, len(entries), ROWS_PER_STATEMENT):
            chunk = entries[start:start + ROWS_PER_STATEMENT]
            cursor.execute(f"INSERT INTO {stage} ({columns}) VALUES {', '.join([marks] * len(chunk))}",
                           [_adapt(v) for line, row in chunk for v in (line, *row)])
    return stage


def _take_repeats(kind, stage):
    """SQLite: remove the staged facts whose id is stored already; [(line, key, same content)] of them."""
    key, *content = COLUMNS[kind]
    table = _q(TABLES[kind]._meta.db_table)
    same = " AND ".join(f"s.{_q(c)} = t.{_q(c)}" for c in content)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT s.line, s.{_q(key)}, {same} FROM {stage} s JOIN {table} t ON t.{_q(key)} = s.{_q(key)}")
        repeats = cursor.fetchall()
        if repeats:
            cursor.execute(f"DELETE FROM {stage} WHERE {_q(key)} IN (SELECT {_q(key)} FROM {table})")
        return repeats


def _insert_staged(kind, stage):
    """SQLite: insert the staged facts (all new by now); return (rows written, their earliest day or None).
    A fact on an order takes its order's merchant_id in the same statement (UNKNOWN_MERCHANT while the order
    is not stored; the order's batch moves it, _adopt)."""
    table = _q(TABLES[kind]._meta.db_table)
    day = _q(DAY_COLUMNS[kind])
    columns = ", ".join(_q(c) for c in COLUMNS[kind])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MIN({day}) FROM {stage}")
        count, earliest = cursor.fetchone()
        if kind not in ON_ORDERS:
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage}")
        else:
            cursor.execute(
                f"INSERT INTO {table} ({columns}, merchant_id) SELECT {', '.join(f's.{_q(c)}' for c in COLUMNS[kind])}, "
                f"COALESCE(o.merchant_id, %s) FROM {stage} s LEFT JOIN {_q(Order._meta.db_table)} o "
                f"ON o.order_id = s.order_id", [UNKNOWN_MERCHANT])
    return count, _day(earliest)


def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _adopt(order_stage):
    """SQLite: the facts stored before their order (UNKNOWN_MERCHANT) move to the merchant of the orders just
    written (the rows left in the orders' stage)."""
    with connection.cursor() as cursor:
        for kind in ON_ORDERS:
            table = _q(TABLES[kind]._meta.db_table)
            cursor.execute(
                f"UPDATE {table} SET merchant_id = (SELECT s.merchant_id FROM {order_stage} s "
                f"WHERE s.order_id = {table}.order_id) "
                f"WHERE merchant_id = %s AND order_id IN (SELECT order_id FROM {order_stage})", [UNKNOWN_MERCHANT])


def _settle_orphans(kinds):
    """PostgreSQL, after facts of these types were stored before their order (UNKNOWN_MERCHANT): take the
    orders' lock, so any transaction of orders that ran meanwhile has committed and every later one sees
    these facts when it adopts them; then move the waiting facts whose order is stored now to its merchant,
    as _adopt_postgresql would have. Run in a transaction of its own after the facts' (holding no other lock
    while it waits for the orders' lock), or at the end of a caller's transaction that took that lock first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_lock_name("order_paid")])
        # The few waiting facts (merchant '') each probe the orders' index: left to its defaults the planner
        # hashes every partition of the orders, a cost that grows with the table (most of a 1,000-merchant
        # ingest, and the other lanes waited on this lock meanwhile).
        _index_probes(cursor, ("off", "off", "off"))
        for kind in kinds:
            _move_waiting(cursor, TABLES[kind], f"{_q(Order._meta.db_table)} s", [])


def _move_waiting(cursor, model, owners, params):
    """Give the facts of `model` stored under no merchant the merchant of their order in `owners` (a FROM item
    aliased s, with order_id and merchant_id; `params` are its parameters): one DELETE ... RETURNING feeding
    an INSERT, as the merchant is part of the key."""
    table = _q(model._meta.db_table)
    columns = [_q(f.column) for f in model._meta.concrete_fields if f.column != "merchant_id"]
    cursor.execute(
        f"WITH moved AS (DELETE FROM {table} f USING {owners} "
        f"WHERE f.merchant_id = %s AND f.order_id = s.order_id "
        f"RETURNING {', '.join(f'f.{c}' for c in columns)}, s.merchant_id AS owner) "
        f"INSERT INTO {table} ({', '.join(columns)}, merchant_id) "
        f"SELECT {', '.join(columns)}, owner FROM moved", [*params, UNKNOWN_MERCHANT])


def settle_waiting_facts():
    """PostgreSQL, at the start of an ingest: the facts still stored before their order whose order is stored
    now get its merchant (_settle_orphans over every fact type on orders). A process that died between a
    batch's commit and its own settling left them so; nothing else would move them until another batch
    stored a fact of the same type. One index range scan of the `''` merchant per table when there are none."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with transaction.atomic():
        _settle_orphans(ON_ORDERS)


def _stored_rows(kind, keys, parts):
    """PostgreSQL: {id: content} of the stored facts of `kind` among these ids, the ids bound as one array
    (_probe: only the partitions whose range of ids holds some of them are probed)."""
    key, *content = COLUMNS[kind]
    with connection.cursor() as cursor:
        cursor.execute(_probe(TABLES[kind]._meta.db_table, (key, *content), parts), [_json(keys)])
        return {row[0]: row[1:] for row in cursor.fetchall()}


# A list of ids travels as one JSON array (dumped in C, unpacked by the server), not as an array parameter
# (dumped element by element in Python).
_IDS = "ARRAY(SELECT json_array_elements_text(%s::json))"


def _json(values):
    return orjson.dumps(values).decode()


_probes = {}  # (table, columns, partitions) -> SQL


def _probe(table, columns, parts):
    """PostgreSQL: the statement that reads `columns` (the key first) of the rows of `table` whose key is among
    an array of ids (its one parameter, JSON), probing each of its partitions `parts` (all of them: an id can
    be stored on any day) only with the ids within that partition's lowest and highest key (two reads of the
    ends of its index). Ids given in time, as platforms give them, then probe the partitions of the days
    being ingested, not every month kept; ids in no order probe them all, as one statement over the table
    would. The comparisons are made in the column's own collation."""
    cache_key = (table, columns, tuple(parts))
    sql = _probes.get(cache_key)
    if sql is None:
        key, selected = _q(columns[0]), ", ".join(map(_q, columns))
        branches = [
            f"SELECT {selected} FROM {_q(part)} WHERE {key} = ANY(ARRAY(SELECT i.id FROM ids i, "
            f"(SELECT min({key}) AS lo, max({key}) AS hi FROM {_q(part)}) r WHERE i.id BETWEEN r.lo AND r.hi))"
            for part in parts or [table]
        ]
        sql = "WITH ids AS MATERIALIZED (SELECT json_array_elements_text(%s::json) AS id) " + " UNION ALL ".join(branches)
        if len(_probes) > 256:  # months come and go: keep the statements of the current partitions
            _probes.clear()
        _probes[cache_key] = sql
    return sql


def _owners(order_ids, parts):
    """PostgreSQL: {order id: merchant id} of the stored orders among these (_probe)."""
    with connection.cursor() as cursor:
        cursor.execute(_probe(Order._meta.db_table, ("order_id", "merchant_id"), parts), [_json(order_ids)])
        return dict(cursor.fetchall())


_types = {}  # table -> {quoted column: its type's name}, for the binary COPY


def _column_types(table, names):
    """The types of these (quoted) columns of `table`, named as PostgreSQL formats them ("bigint", ...)."""
    if table not in _types:
        with connection.cursor() as cursor:
            cursor.execute("SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
                           "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", [_q(table)])
            _types[table] = {_q(name): kind for name, kind in cursor.fetchall()}
    return [_types[table][name] for name in names]


def _write_facts_postgresql(kind, entries, sink, hold, orphaned, parts):
    """PostgreSQL: the stored ones among the batch's ids in one probe (the repeats, told duplicate or conflict
    here), the new ones with their order's merchant (remembered, else looked up in one statement) streamed
    straight into the table with one COPY. A fact whose order is not stored yet goes back to the caller while
    `hold` lets it wait. `parts`: {table: its partitions}. Returns the earliest day a new fact can change."""
    columns = COLUMNS[kind]
    stored = _stored_rows(kind, list(_field(entries, 0)), parts[TABLES[kind]._meta.db_table])
    fresh = entries if not stored else []  # a new ingest's ids are seldom stored already
    for line, row in entries if stored else ():
        current = stored.get(row[0])
        if current is None:
            fresh.append((line, row))
            continue
        sink.outcome(line, kind, row[0], Outcome.DUPLICATE if current == row[1:] else Outcome.CONFLICT)
    names = [_q(c) for c in columns]
    held, orphans = [], 0
    recent = sink.recent_orders
    if kind in ON_ORDERS:
        order = columns.index("order_id")
        # Each row with its merchant appended: in C when every order is among the latest remembered (mostly).
        remembered = list(map(recent.current.get, _field(fresh, order)))
        rows, unknown = [], []
        if None not in remembered:
            rows = list(map(add, map(itemgetter(1), fresh), zip(remembered)))
        else:
            previous = recent.previous.get
            for entry, owner in zip(fresh, remembered, strict=True):
                line, row = entry
                owner = owner or previous(row[order])
                if owner is not None:
                    rows.append((*row, owner))
                elif hold is not None and line < hold.first_new and hold.waits(line):
                    held.append(entry)  # looked up when it came; its order has not come since: wait on
                else:
                    unknown.append(entry)
        looked_up = _owners([row[order] for _, row in unknown], parts[Order._meta.db_table]) if unknown else {}
        for line, row in unknown:
            owner = looked_up.get(row[order])
            if owner is None:
                if hold is not None and hold.waits(line):  # its order usually follows soon: try again then
                    held.append((line, row))
                    continue
                owner, orphans = UNKNOWN_MERCHANT, orphans + 1
            rows.append((*row, owner))
        names.append(_q("merchant_id"))
    else:
        rows = list(map(itemgetter(1), fresh))
    if rows:
        table = TABLES[kind]._meta.db_table
        types = _column_types(table, names)
        with connection.cursor() as cursor, cursor.copy(f"COPY {_q(table)} ({', '.join(names)}) "
                                                        f"FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            write = copy.write_row
            for row in rows:
                write(row)
    sink.new(len(rows))
    if held:
        sink.hold(kind, held)
    if orphans:
        orphaned.append(kind)
    if kind == "order_paid":
        pairs = list(map(itemgetter(0, 1), rows))
        transaction.on_commit(lambda: recent.add(pairs))  # stored with this merchant once committed
        if pairs:
            _adopt_postgresql(pairs)
    if not rows:
        return None
    return min(map(itemgetter(columns.index(DAY_COLUMNS[kind])), rows)) - timedelta(days=AFFECTS[kind])


def _adopt_postgresql(pairs):
    """The facts stored before their order (UNKNOWN_MERCHANT) move to the merchant of the orders just written
    ([(order id, merchant id)]). A first statement asks whether any fact waits at all, through the partial
    indexes; then one DELETE ... RETURNING feeding an INSERT per table where some wait, never an UPDATE of
    merchant_id, which a database distributed by merchant cannot do in place."""
    waiting = [TABLES[kind] for kind in ON_ORDERS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(
            f"EXISTS (SELECT 1 FROM {_q(m._meta.db_table)} WHERE merchant_id = %s)" for m in waiting),
            [UNKNOWN_MERCHANT] * len(waiting))
        flags = cursor.fetchone()
    if not any(flags):
        return
    order_ids, merchants = (_json(list(column)) for column in zip(*pairs, strict=True))
    with connection.cursor() as cursor:
        # The waiting facts (few, through the partial index) meet the new orders best in a hash join.
        _index_probes(cursor, ("on", "off", "off"))
        for model, waits in zip(waiting, flags, strict=True):
            if not waits:
                continue
            _move_waiting(cursor, model, f"unnest({_IDS}, {_IDS}) AS s(order_id, merchant_id)", [order_ids, merchants])
        _index_probes(cursor, ("off", "off", "off"))


def _write_facts(kind, entries, sink, hold, orphaned, parts):
    """entries: [(line_no, row)] with distinct keys. Returns the earliest day a new fact can change."""
    if connection.vendor == "postgresql":
        return _write_facts_postgresql(kind, entries, sink, hold, orphaned, parts)
    stage = _stage(kind, entries)
    for line, key, same in _take_repeats(kind, stage):
        sink.outcome(line, kind, key, Outcome.DUPLICATE if same else Outcome.CONFLICT)
    count, earliest = _insert_staged(kind, stage)
    sink.new(count)
    if kind == "order_paid" and count:
        _adopt(stage)
    return None if earliest is None else earliest - timedelta(days=AFFECTS[kind])


_MERCHANT_FIELDS = COLUMNS["merchant_upserted"][1:]
_MERCHANT_UPSERT = """
INSERT INTO {table} (merchant_id, name, category, entity_id, occurred_at)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (merchant_id) DO UPDATE SET
    name = excluded.name, category = excluded.category,
    entity_id = excluded.entity_id, occurred_at = excluded.occurred_at
WHERE excluded.occurred_at > {table}.occurred_at
RETURNING merchant_id
"""


def _stored_merchants(keys):
    return {row[0]: row[1:] for row in Merchant.objects.filter(pk__in=keys).values_list("pk", *_MERCHANT_FIELDS)}


def _write_merchants(entries, sink):
    """merchant_upserted: the latest occurred_at wins; an equal one with other content conflicts."""
    kind = "merchant_upserted"
    stored = _stored_merchants([row[0] for _, row in entries])
    sql = _MERCHANT_UPSERT.format(table=_q(Merchant._meta.db_table))
    with connection.cursor() as cursor:
        for line, row in entries:
            key, values = row[0], row[1:]
            current = stored.get(key)
            if current is not None and values[-1] == current[-1]:
                sink.outcome(line, kind, key, Outcome.DUPLICATE if current == values else Outcome.CONFLICT)
                continue
            cursor.execute(sql, [key, *(_adapt(v) for v in values)])
            if cursor.fetchall():
                stored[key] = values
                sink.new(1)
                continue
            # Not written: judge against the row as it is now, not the snapshot read before. Another
            # ingest may have committed this merchant meanwhile (the upsert waited for it), and its
            # record with the same occurred_at is a duplicate or a conflict, never "superseded".
            current = _stored_merchants([key]).get(key)
            stored[key] = current
            if current is not None and current[-1] == values[-1]:
                sink.outcome(line, kind, key, Outcome.DUPLICATE if current == values else Outcome.CONFLICT)
            else:
                sink.outcome(line, kind, key, Outcome.SUPERSEDED)


def _inside_callers_transaction():
    """Whether the batch's atomic block is a savepoint in a transaction of the caller's (a test's, a view's)."""
    return bool(connection.savepoint_ids)


def _lock_name(kind):
    return f"ingest:{TABLES[kind]._meta.db_table}"


def _lock_tables(kinds):
    """PostgreSQL: one advisory lock per fact table the batch writes, to the end of its transaction, taken in
    one order by every ingest (so two never deadlock): racing ingests of one table take turns. The orders'
    lock comes last, as a transaction of facts may take it late (_settle_orphans), and a transaction of
    orders takes no other: a fact stored before its order is either seen by the order's transaction
    (_adopt) or, under the orders' lock, sees the order, never neither. The same statement turns the
    planner to index probes for the batch; returns the switches' previous values.

    Then, shared, the partitions' lock of every table the batch probes (the orders' too for facts on orders),
    in the order retention takes them: no partition is created or dropped under the batch's statements, which
    name them (_probe)."""
    locks = [_lock_name(kind) for kind in sorted(kinds, key=lambda kind: (kind == "order_paid", kind))]
    shared = [partitions_lock(table) for table in _probed_tables(kinds)]
    with connection.cursor() as cursor:
        # The select list is evaluated left to right: the locks are taken in this order.
        cursor.execute("SELECT " + ", ".join(
            ["pg_advisory_xact_lock(hashtext(%s))"] * len(locks)
            + ["pg_advisory_xact_lock_shared(hashtext(%s))"] * len(shared)
            + ["current_setting(%s), set_config(%s, 'off', true)"] * len(_INDEX_PROBES)),
            [*locks, *shared, *(x for name in _INDEX_PROBES for x in (name, name))])
        return cursor.fetchone()[len(locks) + len(shared)::2]


def _probed_tables(kinds):
    """The fact tables a batch of these fact types reads by id, sorted by name."""
    tables = {TABLES[kind]._meta.db_table for kind in kinds}
    if set(kinds) & set(ON_ORDERS):
        tables.add(Order._meta.db_table)
    return sorted(tables)


# PostgreSQL, for the batch's statements only: probe ids and look up orders through the indexes, one row of the
# stage at a time. The stage is a temporary table without statistics, and the planner would otherwise often
# sort or hash every partition of a fact table to meet a few thousand staged rows.
_INDEX_PROBES = ("enable_hashjoin", "enable_mergejoin", "enable_seqscan")


def _index_probes(cursor, value):
    """Set the planner switches (transaction-local) and return their previous values."""
    cursor.execute("SELECT " + ", ".join("current_setting(%s), set_config(%s, %s, true)" for _ in _INDEX_PROBES),
                   [x for name, v in zip(_INDEX_PROBES, value, strict=True) for x in (name, name, v)])
    return cursor.fetchone()[::2]


def _ensure_partitions(kind, entries):
    """The month partitions the facts [(line_no, row)] of `kind` need (PostgreSQL). Outside a caller's
    transaction they are created, and committed, before the batch's transaction, so that no batch holds a
    table's exclusive lock (creating a partition) while it waits for another lock: a batch of facts looks the
    orders up while a batch of orders looks at the facts (_adopt_postgresql), and they must never wait for
    each other's partitions."""
    days = list(_field(entries, COLUMNS[kind].index(DAY_COLUMNS[kind])))
    if not days:
        return
    first, last = min(days), max(days)
    # A batch's facts seldom span two months: then the earliest and the latest day stand for them all.
    ensure_partitions(kind, {first, last} if (first.year, first.month) == (last.year, last.month) else set(days))


def _field(entries, index):
    """The field at `index` of each row of [(line_no, row)], in order (an iterator, in C)."""
    return map(itemgetter(index), map(itemgetter(1), entries))


def _first_of_each_key(entries):
    """([the first (line_no, row) of each key], [the later ones]), in line order. Keys repeat seldom within a
    batch: when none does (one set built in C tells), the entries are the firsts as they are."""
    keys = list(_field(entries, 0))
    if len(set(keys)) == len(keys):
        return entries, []
    seen, first, later = set(), [], []
    for key, entry in zip(keys, entries, strict=True):
        if key in seen:
            later.append(entry)
        else:
            seen.add(key)
            first.append(entry)
    return first, later


def write_batch(by_kind, sink, hold=None):
    """Write {fact type: [(line_no, row)]} in one transaction. sink.recent_orders is the ingest's RecentOrders
    (read for the facts on orders, added to when the orders commit); sink.new(n) counts new facts;
    sink.outcome(line_no, kind, key, Outcome.X) is called for every other line; with `hold` (a HoldBack;
    PostgreSQL, a batch that is not the last), sink.hold(kind, [(line_no, row)]) receives the facts on orders
    not stored yet that may still wait, for the caller to put first in its next batch.

    The first line with a key goes to the database; later ones in the batch compare with it."""
    postgresql = connection.vendor == "postgresql"
    hold = hold if postgresql else None
    own = not connection.in_atomic_block  # the transaction is this batch's, not a caller's
    orphaned = []  # the fact types with facts stored before their order (PostgreSQL)
    kinds = set(by_kind) & set(TABLES)
    if own:  # each table's new partitions in a short transaction of their own, before the batch's
        for kind in sorted(kinds):
            with transaction.atomic():
                _ensure_partitions(kind, by_kind[kind])
    with transaction.atomic():
        if postgresql:
            if not own and kinds & set(ON_ORDERS):  # the orders' lock now, in its turn, for _settle_orphans
                kinds.add("order_paid")
            previous = _lock_tables(kinds)
            if not own:
                for kind in sorted(set(by_kind) & set(TABLES)):
                    _ensure_partitions(kind, by_kind[kind])
            with connection.cursor() as cursor:
                parts = partition_tables(cursor, _probed_tables(kinds))
        else:
            parts = None
        earliest = []
        for kind in WRITE_ORDER:
            entries = by_kind.get(kind)
            if not entries:
                continue
            if kind == "merchant_upserted":
                _write_merchants(entries, sink)  # in line order: the latest occurred_at wins
                continue
            first, later = _first_of_each_key(entries)
            day = _write_facts(kind, first, sink, hold, orphaned, parts)
            if day is not None:
                earliest.append(day)
            firsts = {row[0]: row for _, row in first} if later else None
            for line, row in later:
                same = firsts[row[0]] == row
                sink.outcome(line, kind, row[0], Outcome.DUPLICATE if same else Outcome.CONFLICT)
        if earliest:
            StaleDay.objects.create(day=min(earliest))
        if orphaned and not own:
            _settle_orphans(orphaned)
        if postgresql and _inside_callers_transaction():  # as they were for the caller
            with connection.cursor() as cursor:
                _index_probes(cursor, previous)
    if orphaned and own:
        with transaction.atomic():
            _settle_orphans(orphaned)
