"""ORM queries of a fixed shape compiled once per database connection and run again with new parameters.

Building a QuerySet and compiling it to SQL costs the ORM far more than running a small indexed query (about
0.8 ms against 0.15 ms for the diagnosis's threshold versions), and a read like the diagnosis makes a dozen of
them on every request. A Precompiled query is written once with the ORM, as usual (the one place of its rule);
on each database connection it is compiled once, and each call only substitutes its arguments' values into the
SQL's parameters and runs it, then turns the rows into what the QuerySet gives (model instances, dicts of
values() or tuples of values_list()) through the same compiler's converters.

How the arguments are found among the parameters: the query is built and compiled twice, with two different
stand-in values of each argument. The SQL must be the same; a parameter that equals an argument's stand-in both
times is that argument; one that is the same both times is a constant of the query (a state, a risk point); any
other parameter (computed from an argument in a way not declared, or an argument that changes the SQL's shape)
makes compiling fail loudly instead of running the wrong query. An argument computed from others (a week before
`now`) is declared in `derived` with the function that computes it, shared with the ORM query that uses it.

Reads in one round trip: `query.later(**arguments)` is a Pending read (its SQL, parameters and how its rows become
results) that `together(*reads)` runs with others, on PostgreSQL in one message to the server. A screen that
makes a dozen small reads spends more on the round trips (the Python of each cursor call, the server's handling of
each message) than on the queries. `run_plans(*plans)` runs generators that each yield their reads in turn and get
their results back; the reads all the plans yield at the same step run together.

Prepared once per connection (PostgreSQL): the server parses, analyses and plans every statement it is sent as
text, and for these small indexed reads that costs it about as much as running them (a diagnosis's 18 statements
took 9.5 ms of the server's CPU sent as text, 6.3 ms prepared). So the second time a database session runs a
read's SQL it is sent as PREPARE, with its parameters' types, and from then on as EXECUTE with its values, still
client-side bound and still all the reads of a round trip in one message (a session that runs it once, as one
per request does with DB_CONN_MAX_AGE=0, never prepares it). The server plans a prepared statement once its plans
come out alike (PostgreSQL's plan_cache_mode). RISKCASE_PREPARED_STATEMENTS=0 turns it off (a pooler that hands a
session's statements to other clients, as PgBouncer does in transaction mode, cannot keep them); left on behind
one, a statement's name is unique to its process and a lost statement is made anew (_Prepared.execute), until the
process gives up preparing (prepared_statements_on()).
"""
import itertools
import logging
import os
import re
import secrets
import uuid
import weakref
from datetime import UTC, date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import connections
from django.db.models import prefetch_related_objects
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)
from psycopg.adapt import Transformer

__all__ = ["Pending", "Precompiled", "gathered", "run_plans", "together"]

logger = logging.getLogger(__name__)


def _stand_in(kind, slot, attempt):
    """A value of type `kind` that no other argument's stand-in and no constant of a query is equal to."""
    if kind is datetime:
        return datetime(1901 + 2 * slot + attempt, 2, 3 + attempt, 4, 5, 6, 7 + slot, tzinfo=UTC)
    if kind is date:
        return date(1901 + 2 * slot + attempt, 2, 3 + attempt)
    if kind is str:
        return f"precompiled stand-in {slot}.{attempt}"
    if kind is int:
        return 987_654_321_000 + 2 * slot + attempt
    if kind is uuid.UUID:
        return uuid.UUID(int=987_654_321_000 + 2 * slot + attempt)
    raise TypeError(f"no stand-in for arguments of type {kind.__name__}")


def _adapter(kind, connection):
    """How Django turns an argument of type `kind` into the parameter it sends (checked when compiling). A value
    the ORM would first convert (a naive datetime made aware, a datetime given for a date, a str for a UUID) is
    refused: sent as it is, it would not mean what the ORM makes of it."""
    ops = connection.ops

    def checked(adapt):
        def adapted(value):
            if type(value) is not kind and not (kind is datetime and isinstance(value, datetime)):
                raise TypeError(f"a precompiled query's {kind.__name__} argument got {type(value).__name__}")
            if kind is datetime and settings.USE_TZ and value.tzinfo is None:
                raise ValueError("a precompiled query's datetime argument must be aware (USE_TZ)")
            return adapt(value)
        return adapted

    if kind is datetime:
        return checked(ops.adapt_datetimefield_value)
    if kind is date:
        return checked(ops.adapt_datefield_value)
    if kind is uuid.UUID:
        return checked((lambda value: value) if connection.features.has_native_uuid_field else (lambda value: value.hex))
    return checked(lambda value: value)


def _padded(values):
    """A list argument (for an IN (...)) padded to a power of two by repeating its last value: the same rows,
    and the SQL of a few lengths only."""
    values = list(values)
    if not values:
        raise ValueError("a precompiled query's list argument cannot be empty (no SQL has an empty IN)")
    length = 1 << (len(values) - 1).bit_length()
    return values + [values[-1]] * (length - len(values))


def _params(slots, arguments):
    return [constant if name is None else adapt(arguments[name] if index is None else arguments[name][index])
            for name, index, adapt, constant in slots]


class _Wrapped:
    """A wrapped query's SQL on one connection: its rows as plain tuples of what the database sends."""

    def __init__(self, sql, slots):
        self.sql, self.slots = sql, slots

    def read(self, rows):
        return [tuple(row) for row in rows]


class _Compiled:
    """One query's SQL on one connection: where each argument goes, and how its rows become results."""

    def __init__(self, sql, slots, compiler, queryset):
        self.sql, self.slots, self.compiler = sql, slots, compiler
        self.iterable, self.prefetch = queryset._iterable_class, queryset._prefetch_related_lookups
        self.db = queryset.db
        self.fields = [s[0] for s in compiler.select[0:compiler.col_count]]
        if queryset._known_related_objects or compiler.has_composite_fields(self.fields):
            raise ValueError("a precompiled query reads plain rows (no related manager, no composite key)")
        self.converters = compiler.get_converters(self.fields)
        self.trim = compiler.col_count if compiler.has_extra_select else None
        if self.iterable is ModelIterable:
            klass_info = self.klass_info = compiler.klass_info
            self.model = klass_info["model"]
            select_fields = klass_info["select_fields"]
            self.model_cols = slice(select_fields[0], select_fields[-1] + 1)
            self.init_list = [f[0].target.attname for f in compiler.select[self.model_cols]]
            self.annotations = list(compiler.annotation_col_map.items())
        elif self.iterable is ValuesIterable:
            query = queryset.query
            self.names = list(query.selected) if query.selected else [
                *query.extra_select, *query.values_select, *query.annotation_select]
        elif self.iterable not in (ValuesListIterable, FlatValuesListIterable):
            raise ValueError(f"a precompiled query gives no {self.iterable.__name__}")

    def read(self, rows):
        if self.trim is not None:
            rows = [row[:self.trim] for row in rows]
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        return self._results(rows)

    def _results(self, rows):
        if self.iterable is ModelIterable:
            from_db, db, init_list, cols = self.model.from_db, self.db, self.init_list, self.model_cols
            # select_related()'s objects, as Django's ModelIterable sets them (populators made for each read, as it does)
            related = get_related_populators(self.klass_info, self.compiler.select, db)
            objects = []
            for row in rows:
                obj = from_db(db, init_list, row[cols])
                for populator in related:
                    populator.populate(row, obj)
                for name, position in self.annotations:
                    setattr(obj, name, row[position])
                objects.append(obj)
            if self.prefetch:
                prefetch_related_objects(objects, *self.prefetch)
            return objects
        if self.iterable is ValuesIterable:
            names = self.names
            return [dict(zip(names, row, strict=False)) for row in rows]  # as Django's: the names' columns
        if self.iterable is FlatValuesListIterable:
            return [row[0] for row in rows]
        return [tuple(row) for row in rows]


class Precompiled:
    """A QuerySet of a fixed shape, compiled once per database connection: `query(**arguments)` returns
    list(build(**arguments)), the same objects, dicts or tuples with the same values and types.

    `build` makes the QuerySet from keyword arguments; `kinds` names each argument's type (str, int, date,
    datetime, uuid.UUID), which says how its value becomes a parameter, or [type] for a list of them used in an
    IN (...) lookup (padded to a power of two by repeating its last value, which changes no IN; compiled once
    per padded length; never empty); `derived` {name: (type, function)} declares a parameter computed from the
    arguments (function(**arguments)), which `build` computes the same way (it calls the same function). Not
    for a query whose SQL changes with the arguments' values (None for a date...): compiling it raises.

    `wrap(sql, connection)`, when given, returns SQL that reads the QuerySet's as a subquery (an aggregate over a
    union, say: what the ORM cannot write) and adds no parameter of its own; the call then returns its rows as
    plain tuples, unconverted (integers and text: what needs no converter)."""

    def __init__(self, build, *, derived=None, wrap=None, **kinds):
        self.build, self.kinds, self.derived, self.wrap = build, kinds, dict(derived or {}), wrap
        self.lists = [name for name, kind in kinds.items() if isinstance(kind, list)]
        self._db = None  # the database alias the QuerySet reads from (the router's answer, once)
        self._compiled = weakref.WeakKeyDictionary()  # database connection (one per thread) -> {lengths: _Compiled}

    def __call__(self, **arguments):
        return self.later(**arguments).run()

    def later(self, **arguments):
        """The read of `query(**arguments)`, not yet run: a Pending for together() or a plan (run_plans)."""
        if arguments.keys() != self.kinds.keys():
            raise TypeError(f"expected the arguments {sorted(self.kinds)}, got {sorted(arguments)}")
        for name in self.lists:
            arguments[name] = _padded(arguments[name])
        if self._db is None:
            self._db = self.build(**arguments).db
        for name, (_kind, compute) in self.derived.items():
            arguments[name] = compute(**{k: arguments[k] for k in self.kinds})
        connection = connections[self._db]
        shapes = self._compiled.get(connection)
        if shapes is None:
            shapes = self._compiled[connection] = {}
        lengths = tuple(len(arguments[name]) for name in self.lists)
        compiled = shapes.get(lengths)
        if compiled is None:
            compiled = shapes[lengths] = self._compile(connection, dict(zip(self.lists, lengths, strict=True)))
        return Pending(connection, compiled.sql, _params(compiled.slots, arguments), compiled.read)

    def _compile(self, connection, lengths):
        # Every parameter an argument may give: (name, None) of a plain or derived one, (name, i) of a list's i-th.
        kinds = {}
        for name, kind in self.kinds.items():
            if name in lengths:
                kinds.update({(name, i): kind[0] for i in range(lengths[name])})
            else:
                kinds[(name, None)] = kind
        derived = {(name, None): kind for name, (kind, _f) in self.derived.items()}
        adapters = {key: _adapter(kind, connection) for key, kind in {**kinds, **derived}.items()}
        attempts = []
        for attempt in (0, 1):
            stand_ins = {key: _stand_in(kind, slot, attempt) for slot, (key, kind) in enumerate(kinds.items())}
            arguments = {name: [stand_ins[(name, i)] for i in range(lengths[name])] if name in lengths
                         else stand_ins[(name, None)] for name in self.kinds}
            queryset = self.build(**arguments)
            for name, (_kind, compute) in self.derived.items():
                stand_ins[(name, None)] = compute(**arguments)
            compiler = queryset.query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            sent = {key: adapters[key](value) for key, value in stand_ins.items()}
            attempts.append((queryset, compiler, sql, list(params), sent))
        (queryset, compiler, sql, params, sent), (_q, _c, other_sql, other_params, other_sent) = attempts
        if sql != other_sql or len(params) != len(other_params):
            raise ValueError(f"the query's SQL changes with its arguments' values: {sql}")
        slots = []
        for position, (first, second) in enumerate(zip(params, other_params, strict=True)):
            keys = [key for key in sent if _same(sent[key], first) and _same(other_sent[key], second)]
            if len(keys) == 1:
                slots.append((*keys[0], adapters[keys[0]], None))
            elif not keys and _same(first, second) and not any(_same(first, v) for v in sent.values()):
                slots.append((None, None, None, first))
            else:
                raise ValueError(f"parameter {position} of the query is not one of its arguments nor a constant "
                                 f"({first!r}, then {second!r}): {sql}")
        if self.wrap is not None:
            wrapped = self.wrap(sql, connection)
            if wrapped.count("%s") != sql.count("%s"):
                raise ValueError(f"a wrapped query adds no parameter of its own: {wrapped}")
            return _Wrapped(wrapped, slots)
        return _Compiled(sql, slots, compiler, queryset)


def _same(a, b):
    return type(a) is type(b) and a == b


class Pending:
    """A read not yet run: SQL and its parameters on a database connection, and `read(rows)`, which makes the
    result of the rows. Pending.ready(value) reads nothing (a plan's read that needs no query: no product, no
    day)."""

    __slots__ = ("connection", "sql", "params", "read")

    def __init__(self, connection, sql, params, read):
        self.connection, self.sql, self.params, self.read = connection, sql, list(params), read

    @classmethod
    def ready(cls, value):
        return cls(None, None, (), lambda _rows: value)

    def then(self, function):
        """The same read, its result passed through `function`."""
        read = self.read
        return Pending(self.connection, self.sql, self.params, lambda rows: function(read(rows)))

    def run(self):
        return together(self)[0]


def _batched(connection):
    """Whether several statements can go in one message: psycopg with client-side binding (Django's default),
    which sends them with the simple query protocol; a server-side binding cursor refuses more than one."""
    return connection.vendor == "postgresql" and not connection.settings_dict["OPTIONS"].get("server_side_binding")


def together(*reads):
    """The results of the Pending `reads`, in their order. On PostgreSQL the reads of one connection are one
    execute: their statements joined in one message, which the server runs in turn in one implicit transaction
    (each statement with its own snapshot, as under READ COMMITTED), each one's rows read in turn (nextset()),
    each one a prepared statement of the session where it can be (_Prepared). Elsewhere (SQLite) one after the
    other. A failing statement fails them all, as one query would."""
    rows = [None] * len(reads)
    by_connection = {}
    for position, pending in enumerate(reads):
        if pending.sql is not None:
            by_connection.setdefault(pending.connection, []).append(position)
    for connection, positions in by_connection.items():
        if not _batched(connection):
            for position in positions:
                with connection.cursor() as cursor:
                    cursor.execute(reads[position].sql, reads[position].params)
                    rows[position] = cursor.fetchall()
            continue
        with connection.cursor() as cursor:
            if prepared_statements_on():
                skips = _Prepared.of(connection).execute(cursor, [reads[p] for p in positions])
            else:
                cursor.execute(";\n".join(reads[p].sql for p in positions),
                               [v for p in positions for v in reads[p].params])
                skips = [0] * len(positions)
            # The results read from psycopg's cursor itself, its errors turned into Django's as Django's cursor
            # wrapper would (whose every attribute look-up is a Python call: 3% of a diagnosis's CPU).
            raw = cursor.cursor
            with connection.wrap_database_errors:
                for index, position in enumerate(positions):
                    for _ in range(skips[index] + (1 if index else 0)):
                        if not raw.nextset():
                            raise RuntimeError("the server sent fewer results than statements")
                    rows[position] = raw.fetchall()
    return [pending.read(found) for pending, found in zip(reads, rows, strict=True)]


_PLACEHOLDER = re.compile(r"%(.)", re.DOTALL)
_names = itertools.count(1)  # a statement's number, never used twice in a process (nor so in any of its sessions)
_process = {"pid": None, "token": ""}  # a random token of this process, drawn again after a fork
LOSSES_BEFORE_PLAIN_SQL = 3  # sessions that lost their statements before this process stops preparing any
MAX_PREPARED = 512  # statements a session keeps; past it, the least recently used one is deallocated
_GUARD = "riskcase_prepared"  # the savepoint that lets a transaction outlive a statement prepared before a migration


# The exact types whose PostgreSQL type needs no other look (an int's depends on its size, a datetime's on its zone).
_TYPE_NAMES = {bool: "boolean", str: "text", Decimal: "numeric", float: "double precision", uuid.UUID: "uuid",
               date: "date"}
# Values whose literal is remembered per session: equal values of these exact types write the same SQL (not so a
# Decimal, 1.0 and 1.00, nor a datetime, one instant in two zones); a str only up to a merchant id's length.
_REMEMBERED = frozenset({bool, int, date, str})
MAX_REMEMBERED, REMEMBERED_STR_LENGTH = 4096, 64


def _pg_type(value):
    """The PostgreSQL type of a parameter, as psycopg sends the value (None: a value not prepared here)."""
    name = _TYPE_NAMES.get(type(value))
    if name is not None:
        return name
    if value is None:
        return "unknown"
    if isinstance(value, int) and not isinstance(value, bool) and not -2**63 <= value < 2**63:
        return None  # psycopg writes it as a numeric
    for kind, name in ((bool, "boolean"), (int, "bigint"), (str, "text"), (Decimal, "numeric"),
                       (float, "double precision"), (uuid.UUID, "uuid")):
        if isinstance(value, kind):
            return name
    if isinstance(value, datetime):
        return "timestamp" if value.tzinfo is None else "timestamptz"
    if isinstance(value, date):
        return "date"
    return None


def _numbered(sql):
    """Django's SQL with its %s placeholders numbered $1, $2... and %% made %, as PREPARE takes it; None for SQL
    with any other % sequence."""
    count = itertools.count(1)

    def number(match):
        if match.group(1) == "s":
            return f"${next(count)}"
        if match.group(1) == "%":
            return "%"
        raise ValueError(match.group(0))
    try:
        return _PLACEHOLDER.sub(number, sql)
    except ValueError:
        return None


def _statement_name():
    """A name no other process uses: its token is random (a pid repeats from host to host) and drawn again in a
    forked worker. Behind a pooler that shares server sessions between clients (against the settings' advice), an
    EXECUTE then finds this process's own statement or none, never another process's under the same name."""
    if _process["pid"] != os.getpid():
        _process.update(pid=os.getpid(), token=secrets.token_hex(4))
    return f"riskcase_{_process['token']}_{next(_names)}"


def _statement_lost(error):
    """Whether the server no longer has a statement the session prepared ("prepared statement ... does not
    exist", SQLSTATE 26000): a DISCARD ALL, a restarted pooler's reset, or a pooler that gave this client
    another server session."""
    return getattr(error.__cause__, "sqlstate", None) == "26000"


def _result_type_changed(error):
    """Whether the server refused a prepared statement whose tables changed shape since it was prepared (a
    migration altered a column it returns): "cached plan must not change result type", SQLSTATE 0A000."""
    return getattr(error.__cause__, "sqlstate", None) == "0A000"


class _Prepared:
    """The statements prepared in one database session (a psycopg connection), by SQL and parameter types."""

    _sessions = weakref.WeakKeyDictionary()  # psycopg connection -> _Prepared
    losses = 0  # sessions of this process that lost their statements (see execute())

    def __init__(self):
        self.names = {}  # (sql, types) -> name, the least recently used first
        self.seen = {}  # (sql, types) run once in the session, not prepared: prepared when it comes again
        self.stale = False  # statements of the session to deallocate, all of them, with the next message
        self.literals = {}  # (type, value) -> its SQL literal, as the session's adapters write it (_REMEMBERED)

    @classmethod
    def of(cls, connection):
        session = connection.connection
        prepared = cls._sessions.get(session)
        if prepared is None:
            prepared = cls._sessions[session] = cls()
        return prepared

    def execute(self, cursor, reads):
        """Runs `reads` in one message on the Django `cursor`; returns per read how many results of the
        statements that come with it (PREPARE, DEALLOCATE, SAVEPOINT) precede its own.

        When a migration changed what a statement prepared earlier returns, the server refuses to run it; when the
        session lost its statements (a DISCARD ALL, a pooler's reset), it has none to run. Either way the session's
        statements are all made anew and the reads sent again, at once in autocommit, and inside a transaction from
        a savepoint taken in the same message (only while it runs statements prepared before). A process whose
        sessions keep losing them (LOSSES_BEFORE_PLAIN_SQL: a pooler sharing server sessions, which
        RISKCASE_PREPARED_STATEMENTS=0 is for) says so in its log and sends plain SQL from then on
        (prepared_statements_on())."""
        guard = cursor.db.in_atomic_block
        for attempt in (1, 2):
            message, skips, preparing, guarded = self._message(reads, cursor.cursor, guard=guard)
            try:
                cursor.execute(message)
                break
            except Exception as error:
                for key in preparing:  # made by the server or not (a message stops at its failing statement)
                    self.names.pop(key, None)
                lost = _statement_lost(error)
                if not lost and not _result_type_changed(error):
                    raise
                if lost:
                    _lost_statements()
                self.names.clear()
                self.stale = True
                if attempt == 2 or (guard and not guarded):
                    raise
                if guarded:
                    cursor.execute(f"ROLLBACK TO SAVEPOINT {_GUARD}; RELEASE SAVEPOINT {_GUARD}")
        self.stale = False
        return skips

    def _first_time(self, key):
        """Whether the session runs this statement for the first time: a session that ends after one request
        (DB_CONN_MAX_AGE=0) would prepare what it never runs again."""
        if self.seen.pop(key, None) is not None:
            return False
        if len(self.seen) >= MAX_PREPARED:
            del self.seen[next(iter(self.seen))]
        self.seen[key] = True
        return True

    def _literal(self, value, literal):
        """literal(value), remembered for the values that repeat from request to request (the days of the windows,
        a merchant's id, a limit): a diagnosis's messages (202 values) took 0.37 ms to write, now 0.15 ms."""
        kind = type(value)
        if kind not in _REMEMBERED or (kind is str and len(value) > REMEMBERED_STR_LENGTH):
            return literal(value)
        key = (kind, value)
        found = self.literals.get(key)
        if found is None:
            if len(self.literals) >= MAX_REMEMBERED:
                self.literals.clear()
            found = self.literals[key] = literal(value)
        return found

    def _message(self, reads, cursor, *, guard):
        """(the message that runs `reads` as EXECUTEs, with the PREPAREs and DEALLOCATEs it needs; per read, how many
        results of those precede its own; the keys being prepared; whether it takes the savepoint)."""
        # Values written into the SQL as psycopg's client-side binding writes them, with the cursor's adapters.
        literal, encoding = Transformer.from_context(cursor).as_literal, cursor.connection.info.encoding
        statements, skips, preparing, earlier = [], [], [], False
        if self.stale:
            statements.append(b"DEALLOCATE ALL")
        for pending in reads:
            types = tuple(_pg_type(v) for v in pending.params)
            key = (pending.sql, types)
            name = self.names.pop(key, None)
            earlier |= name is not None
            before = 0
            if name is None and None not in types and not self._first_time(key):
                numbered = _numbered(pending.sql)
                if numbered is not None:
                    if len(self.names) >= MAX_PREPARED:
                        oldest = next(iter(self.names))
                        statements.append(f"DEALLOCATE {self.names.pop(oldest)}".encode())
                        before += 1
                    name = _statement_name()
                    statements.append(f"PREPARE {name} ({', '.join(types)}) AS {numbered}".encode())
                    before += 1
                    preparing.append(key)
            values = tuple(b"NULL" if v is None else self._literal(v, literal) for v in pending.params)
            if name is None:  # sent as it is, bound client-side as psycopg does
                sql = pending.sql.encode(encoding)
                statements.append(sql % values if values else sql.replace(b"%%", b"%"))
            else:
                self.names[key] = name  # the most recently used last
                statements.append(b"EXECUTE " + name.encode() + (b"(" + b", ".join(values) + b")" if values else b""))
            skips.append(before)
        skips[0] += self.stale
        guarded = guard and earlier
        if guarded:
            statements.insert(0, f"SAVEPOINT {_GUARD}".encode())
            statements.append(f"RELEASE SAVEPOINT {_GUARD}".encode())
            skips[0] += 1
        return b";\n".join(statements).decode(encoding), skips, preparing, guarded


def _lost_statements():
    _Prepared.losses += 1
    if _Prepared.losses == LOSSES_BEFORE_PLAIN_SQL:
        logger.error("PostgreSQL sessions lost this process's prepared statements %d times: a pooler that shares "
                     "server sessions between clients (PgBouncer in transaction mode)? This process sends plain "
                     "SQL from now on; set RISKCASE_PREPARED_STATEMENTS=0 behind such a pooler.", _Prepared.losses)


def prepared_statements_on():
    """Whether reads go as prepared statements: the setting, unless this process's sessions keep losing them."""
    return settings.RISKCASE_PREPARED_STATEMENTS and _Prepared.losses < LOSSES_BEFORE_PLAIN_SQL


def run_plans(*plans):
    """Runs plans, each a generator that yields a Pending (or a tuple of them) whenever it needs rows and is sent
    the result (or the tuple of results) back, until it returns: every plan's reads of the same step go
    together() in one round trip. Returns the plans' return values, in their order."""
    plan, sent = gathered(*plans), None
    while True:
        try:
            wanted = plan.send(sent)
        except StopIteration as stop:
            return stop.value
        sent = tuple(together(*wanted))


def gathered(*plans):
    """A plan of plans, for run_plans or for a plan's own `yield from` (plans that need its earlier results): at
    each step it yields the reads all the running plans yield at that step, as one tuple, and sends each its
    own. Returns the plans' return values, in their order."""
    results, sent = [None] * len(plans), [None] * len(plans)
    running = list(range(len(plans)))
    while running:
        wanted = {}
        for index in running:
            try:
                wanted[index] = plans[index].send(sent[index])
            except StopIteration as stop:
                results[index] = stop.value
        running = list(wanted)
        if not running:
            break
        found = iter((yield tuple(r for index in running for r in (
            wanted[index] if isinstance(wanted[index], tuple) else (wanted[index],)))))
        for index in running:
            if isinstance(wanted[index], tuple):
                sent[index] = tuple(next(found) for _ in wanted[index])
            else:
                sent[index] = next(found)
    return results
