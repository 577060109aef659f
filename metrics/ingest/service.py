"""The ingest service: streams lines, validates each, writes valid facts in batches."""
from dataclasses import dataclass, field

from django.conf import settings

from metrics.partitions import DAY_COLUMNS, retained_from
from riskcase.ops.metrics import record_ingest

from .facts import BadLine, parse_line, platform_zone
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


def _check_retained(fact, kept_from):
    day_column = DAY_COLUMNS.get(fact.kind)
    day = fact.values[day_column] if day_column else None
    if day is not None and day < kept_from:
        raise BadLine(
            f"{day_column.replace('_day', '_at')} falls on {day}, before {kept_from}, the first day of history "
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

    def reject(line_no, reason, text):
        record = {"source": source, "line": line_no, "reason": reason, "text": text}
        if len(report.errors) < report.keep_errors:
            report.errors.append({"line": line_no, "reason": reason})
        if on_reject:
            on_reject(record)

    raw_by_line = {}

    def outcome(line_no, fact, result):
        if result == Outcome.CONFLICT:
            report.conflicting += 1
            reject(line_no, f"conflict: {fact.kind} {fact.key!r} was already ingested with other content",
                   raw_by_line[line_no])
        else:
            setattr(report, result, getattr(report, result) + 1)

    batch = []
    for line_no, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                report.bad += 1
                reject(line_no, "line is not valid UTF-8", raw.decode("utf-8", "replace").rstrip("\r\n"))
                continue
        raw = raw.rstrip("\r\n")
        if not raw.strip():
            continue  # blank lines (a trailing newline) are not facts
        try:
            fact = parse_line(raw, zone)
            if kept_from is not None:
                _check_retained(fact, kept_from)
        except BadLine as exc:
            report.bad += 1
            reject(line_no, str(exc), raw)
            continue
        batch.append((line_no, fact))
        raw_by_line[line_no] = raw
        if len(batch) >= batch_size:
            write_batch(batch, outcome)
            batch.clear()
            raw_by_line.clear()
    if batch:
        write_batch(batch, outcome)
    # Conflicts are found when a batch is written, after its bad lines: list them all by line.
    report.errors.sort(key=lambda error: error["line"])
    record_ingest(report, "api" if source == "api" else "command")  # Prometheus' counters (/metrics)
    return report
