"""The ingest service: streams lines, validates each, writes valid facts in batches."""
from collections import ChainMap, Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from metrics.partitions import DAY_COLUMNS, retained_from
from riskcase.ops.metrics import record_ingest

from .facts import COLUMNS, BadLine, parse_line, platform_zone
from .writer import HoldBack, Outcome, RecentOrders, settle_waiting_facts, write_batch


@dataclass
class IngestReport:
    """Counts of one ingest, and the rejected lines (kept up to `keep_errors`; all go to on_reject)."""

    new: int = 0
    duplicate: int = 0
    conflicting: int = 0
    superseded: int = 0
    bad: int = 0
    errors: list = field(default_factory=list)
    keep_errors: int = 1000

    @property
    def rejected(self):
        return self.bad + self.conflicting

    @property
    def errors_truncated(self):
        return self.rejected > len(self.errors)

    def as_dict(self):
        return {
            "new": self.new,
            "duplicate": self.duplicate,
            "conflicting": self.conflicting,
            "superseded": self.superseded,
            "bad": self.bad,
            "errors": self.errors,
            "errors_truncated": self.errors_truncated,
        }


class _Outcomes:
    """What the writer found in one batch: counts by outcome and the conflicts, applied to the report by the
    thread that reads the lines (so on_reject is only ever called from it)."""

    def __init__(self, raw_by_line, recent_orders):
        self.raw_by_line = raw_by_line
        self.recent_orders = recent_orders  # the writer's, read and extended by the thread that writes
        self.counts = Counter()
        self.conflicts = []
        self.held = {}

    def new(self, count):
        self.counts[Outcome.NEW] += count

    def hold(self, kind, entries):
        self.held[kind] = entries

    def outcome(self, line_no, kind, key, result):
        self.counts[result] += 1
        if result == Outcome.CONFLICT:
            self.conflicts.append((line_no, f"conflict: {kind} {key!r} was already ingested with other content",
                                   _text(self.raw_by_line[line_no])))


# The threads that write batches (PostgreSQL, outside a caller's transaction), each on its own connection
# and each one transaction per batch: merchants and orders first; once a batch's orders are committed, its
# facts on them in the other lanes, in parallel with each other and with the next batch's orders.
LANES = (
    ("merchant_upserted", "order_paid"),
    ("order_verified",),
    ("review_posted", "complaint_filed", "refund_completed"),
)


class _Lane:
    """Writes its fact types' part of each batch in turn, inline or in a thread of its own. The facts the
    batches before held back (waiting for their order, at most RISKCASE_INGEST_HOLD_LINES lines back) go first
    in the next batch's part."""

    def __init__(self, kinds, thread_name=None):
        self.kinds = kinds  # None: every type
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread_name) if thread_name else None
        self.pending = None
        self.held, self.held_raw = {}, {}
        self.hold_lines = settings.RISKCASE_INGEST_HOLD_LINES

    def submit(self, by_kind, raw_by_line, recent_orders, apply, *, last):
        self.wait(apply)
        part = {kind: entries for kind, entries in by_kind.items() if self.kinds is None or kind in self.kinds}
        hold = None
        if not last and raw_by_line:  # the batch's lines, in order
            first, newest = next(iter(raw_by_line)), next(reversed(raw_by_line))
            hold = HoldBack(first_new=first, oldest=newest - self.hold_lines)
        if self.held:
            held, self.held = self.held, {}
            for kind, entries in held.items():
                part[kind] = entries + part.get(kind, [])
            raw_by_line = ChainMap(raw_by_line, self.held_raw)
        if not part:
            return
        outcomes = _Outcomes(raw_by_line, recent_orders)
        if self.pool is None:
            write_batch(part, outcomes, hold=hold)
            self._done(outcomes, apply)
            return
        self.pending = (self.pool.submit(write_batch, part, outcomes, hold=hold), outcomes)

    def _done(self, outcomes, apply):
        apply(outcomes)
        self.held = outcomes.held
        self.held_raw = {line: outcomes.raw_by_line[line] for entries in self.held.values() for line, _ in entries}

    def wait(self, apply):
        if self.pending is not None:
            future, outcomes = self.pending
            self.pending = None
            future.result()  # a failed batch raises here
            self._done(outcomes, apply)

    def close(self):
        if self.pool is not None:
            self.pool.submit(lambda: connection.close()).result()  # the thread's own connection
            self.pool.shutdown()


class _Writer:
    """Writes batches. On PostgreSQL, outside any transaction of the caller's, from the first batch of an input
    of several on, in the threads of LANES (so their own database connections) while the caller's thread reads
    and validates the next batch: the parsing and the database's work overlap, and so do the writes of several
    tables. A batch's facts on orders are written once its orders are committed. At most three batches are
    held (one read, one's orders and the one before's facts written), and the facts waiting for their order (at
    most RISKCASE_INGEST_HOLD_LINES lines' worth), so memory stays bounded.
    Otherwise (SQLite, inside a caller's transaction: a test, a view's atomic block, or an input of one batch)
    each batch is written inline, in one transaction (or in the caller's)."""

    def __init__(self, apply):
        self.apply = apply
        self.may_thread = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.recent_orders = RecentOrders()
        self.inline = _Lane(None)
        self.lanes = None
        self.orders_written = None  # the batch whose orders are being written, for the other lanes next

    def submit(self, by_kind, raw_by_line, *, last):
        if self.lanes is None and self.may_thread and not last:  # an input of one batch (most API calls) is inline
            self.lanes = [_Lane(kinds, f"ingest-{kinds[0]}") for kinds in LANES]
        if self.lanes is None:
            self.inline.submit(by_kind, raw_by_line, self.recent_orders, self.apply, last=last)
            return
        orders, *facts = self.lanes
        orders.wait(self.apply)  # the batch before's orders are committed: its other facts can go
        if self.orders_written is not None:
            for lane in facts:
                lane.submit(*self.orders_written, self.recent_orders, self.apply, last=False)
            self.orders_written = None
        orders.submit(by_kind, raw_by_line, self.recent_orders, self.apply, last=last)
        self.orders_written = (by_kind, raw_by_line)
        if last:
            orders.wait(self.apply)
            for lane in facts:
                lane.submit(*self.orders_written, self.recent_orders, self.apply, last=True)
            self.orders_written = None

    def wait(self):
        for lane in self.lanes or [self.inline]:
            lane.wait(self.apply)

    def close(self):
        failure = None
        for lane in self.lanes or []:
            try:
                lane.wait(self.apply)
            except Exception as exc:  # the first failure is raised once every lane has stopped
                failure = failure or exc
            lane.close()
        if failure is not None:
            raise failure


def _text(raw):
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw).rstrip("\r\n")


def _reason(exc, raw):
    if isinstance(raw, bytes):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return "line is not valid UTF-8"
    return str(exc)


def _retention_error(kind, day, kept_from):
    column = DAY_COLUMNS[kind]
    return (
        f"{column.replace('_day', '_at')} falls on {day}, before {kept_from}, the first day of history "
        f"still kept: older facts were dropped by retention (RISKCASE_FACT_RETENTION_DAYS), so this one "
        f"can no longer be stored or counted"
    )


def ingest_lines(lines, *, source="-", report=None, on_reject=None, on_progress=None, batch_size=None):
    """Ingest an iterable of JSON lines (str or bytes) and return an IngestReport.

    Memory is bounded by the batch size, not the input (one batch read while the one before is written).
    Each batch is one transaction, so a valid fact is either stored or not at all; a crash mid-stream
    loses no committed batch and a re-run is idempotent. A fact whose order is not stored yet is held back
    to the next batches' transactions (its order usually follows) for up to RISKCASE_INGEST_HOLD_LINES lines,
    then stored whatever. on_reject(record) receives every rejected line as {"source", "line", "reason",
    "text"}; on_progress(n), once a batch and at the end, the number of lines read since its last call.
    """
    report = report or IngestReport()
    batch_size = batch_size or settings.RISKCASE_INGEST_BATCH_SIZE
    zone = platform_zone()
    kept_from = retained_from()
    day_index = {kind: COLUMNS[kind].index(column) for kind, column in DAY_COLUMNS.items()}

    def reject(line_no, reason, text):
        record = {"source": source, "line": line_no, "reason": reason, "text": text}
        if len(report.errors) < report.keep_errors:
            report.errors.append({"line": line_no, "reason": reason})
        if on_reject:
            on_reject(record)

    def apply(outcomes):
        for result, count in outcomes.counts.items():
            setattr(report, result, getattr(report, result) + count)
        for line_no, reason, text in outcomes.conflicts:
            reject(line_no, reason, text)

    settle_waiting_facts()  # what a process that died before settling its last batch left waiting
    writer = _Writer(apply)
    raw_by_line = {}  # the batch's lines, for the text of a conflict
    by_kind = {}
    pending = reported = line_no = 0
    try:
        for line_no, raw in enumerate(lines, start=1):
            try:
                kind, row = parse_line(raw, zone)
                if kept_from is not None and kind in day_index and row[day_index[kind]] < kept_from:
                    raise BadLine(_retention_error(kind, row[day_index[kind]], kept_from))
            except BadLine as exc:
                if not raw.strip():
                    continue  # a blank line (a trailing newline) is not a fact: told apart only when it fails
                report.bad += 1
                reject(line_no, _reason(exc, raw), _text(raw))
                continue
            entries = by_kind.get(kind)
            if entries is None:
                entries = by_kind[kind] = []
            entries.append((line_no, row))
            raw_by_line[line_no] = raw
            pending += 1
            if pending >= batch_size:
                writer.submit(by_kind, raw_by_line, last=False)
                by_kind, raw_by_line, pending = {}, {}, 0
                if on_progress:
                    on_progress(line_no - reported)
                    reported = line_no
        writer.submit(by_kind, raw_by_line, last=True)  # the rest, and what the batches before held back
        writer.wait()
        if on_progress:
            on_progress(line_no - reported)
    finally:
        writer.close()
    # Conflicts are found when a batch is written, after its bad lines: list them all by line.
    report.errors.sort(key=lambda error: error["line"])
    record_ingest(report, "api" if source == "api" else "command")  # Prometheus' counters (/metrics)
    return report
