"""The ingest service: streams lines, validates each, writes valid facts in batches."""
from dataclasses import dataclass, field

from django.conf import settings

from metrics.partitions import DAY_COLUMNS, retained_from
from riskcase.ops.metrics import record_ingest

from .facts import COLUMNS, BadLine, parse_line, platform_zone
from .writer import Outcome, write_batch


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


class _Sink:
    """What the writer reports back: how many facts were new, and each other line's outcome."""

    def __init__(self, report, reject, raw_by_line):
        self.report, self.reject, self.raw_by_line = report, reject, raw_by_line

    def new(self, count):
        self.report.new += count

    def outcome(self, line_no, kind, key, result):
        if result == Outcome.CONFLICT:
            self.report.conflicting += 1
            self.reject(line_no, f"conflict: {kind} {key!r} was already ingested with other content",
                        _text(self.raw_by_line[line_no]))
        else:
            setattr(self.report, result, getattr(self.report, result) + 1)


def _text(raw):
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw).rstrip("\r\n")


def _retention_error(kind, day, kept_from):
    column = DAY_COLUMNS[kind]
    return (
        f"{column.replace('_day', '_at')} falls on {day}, before {kept_from}, the first day of history "
        f"still kept: older facts were dropped by retention (RISKCASE_FACT_RETENTION_DAYS), so this one "
        f"can no longer be stored or counted"
    )


def ingest_lines(lines, *, source="-", report=None, on_reject=None, batch_size=None):
    """Ingest an iterable of JSON lines (str or bytes) and return an IngestReport.

    Memory is bounded by the batch size, not the input. Each batch is one transaction, so a
    valid fact is either stored or not at all; a crash mid-stream loses no committed batch and
    a re-run is idempotent. on_reject(record) receives every rejected line as
    {"source", "line", "reason", "text"}.
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

    raw_by_line = {}  # the batch's lines, for the text of a conflict
    sink = _Sink(report, reject, raw_by_line)
    by_kind = {}
    pending = 0
    for line_no, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue  # blank lines (a trailing newline) are not facts
        try:
            kind, row = parse_line(raw, zone)
            if kept_from is not None and kind in day_index and row[day_index[kind]] < kept_from:
                raise BadLine(_retention_error(kind, row[day_index[kind]], kept_from))
        except BadLine as exc:
            reason = str(exc)
            if isinstance(raw, bytes):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:
                    reason = "line is not valid UTF-8"
            report.bad += 1
            reject(line_no, reason, _text(raw))
            continue
        entries = by_kind.get(kind)
        if entries is None:
            entries = by_kind[kind] = []
        entries.append((line_no, row))
        raw_by_line[line_no] = raw
        pending += 1
        if pending >= batch_size:
            write_batch(by_kind, sink)
            by_kind.clear()
            raw_by_line.clear()
            pending = 0
    if pending:
        write_batch(by_kind, sink)
    # Conflicts are found when a batch is written, after its bad lines: list them all by line.
    report.errors.sort(key=lambda error: error["line"])
    record_ingest(report, "api" if source == "api" else "command")  # Prometheus' counters (/metrics)
    return report
