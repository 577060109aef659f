"""Reconciling what the rules find with the warnings and violations, through the services' batch forms: the
night's violations in one unit of work, then its warnings, then the resolutions (constant queries in cases).

Runs after every recompute of the metrics (settings.RISKCASE_AFTER_METRICS): the nightly chord's
callback and `manage.py recompute` both call `rules_evaluate(as_of)`.
"""
import uuid
from dataclasses import dataclass, fields
from datetime import date

from django.db import connection, transaction

from . import services
from .errors import ViolationOverlaps, WarningAlreadyOpen
from .models import OPEN_WARNING_STATES, Violation, Warning
from .rules import VIOLATION, WARNING, automatic_risk_points, evaluate_all

# A violation that was overturned or withdrawn does not stand in for a warning of its period.
NOT_STANDING_STATES = ("appeal_succeeded", "withdrawn")
_LOCK_KEY = 0x52434556  # "RCEV": one evaluation at a time on PostgreSQL


@dataclass
class EvaluationSummary:
    as_of: date
    findings: int = 0
    violations_recorded: int = 0
    violations_overlapping: int = 0
    warnings_raised: int = 0
    warnings_still_open: int = 0
    warnings_covered_by_violation: int = 0
    warnings_resolved: int = 0

    def as_dict(self):
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "as_of"}

    def __str__(self):
        counts = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in self.as_dict().items())
        return f"rules as of {self.as_of}: {counts}"


def _overlaps(a_start, a_end, b_start, b_end):
    return a_start <= b_end and b_start <= a_end


def _serialise_evaluations():
    """Two evaluations at once (nightly and by hand) must not both record the same case.

    On PostgreSQL the second waits for the first to commit, then finds everything in place.
    SQLite has a single writer: the second gets "database is locked" instead of a duplicate.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def rules_evaluate(as_of):
    """Evaluate every registered rule as of A and bring the cases in line. Idempotent.

    - a violation finding is recorded unless a violation of the same merchant, risk point and
      product already covers an overlapping window (recording escalates the open warning);
    - a warning finding raises a warning unless one is already open (open or acknowledged) for
      that merchant, risk point and product, or a standing violation (not overturned nor
      withdrawn) of the same key covers an overlapping window: that period is already judged;
    - an open warning of an automatic risk point that no rule finds any more (the rate fell
      back under warn_at) is resolved by the system. Warnings raised as of a later day than A
      are left alone, so evaluating an old day does not undo a newer judgement.

    Runs in one transaction; returns an EvaluationSummary (counts). Judged exactly as one case after
    another would be: violations go in rounds of at most one finding per key (each round one batch), so a
    key's later finding sees what its earlier one recorded.
    """
    if isinstance(as_of, str):
        as_of = date.fromisoformat(as_of)
    summary = EvaluationSummary(as_of=as_of)
    evaluation_id = uuid.uuid4().hex  # the violations of this run share it (the ladder orders them by severity)
    with transaction.atomic():
        _serialise_evaluations()
        findings = evaluate_all(as_of)
        summary.findings = len(findings)
        risk_points = automatic_risk_points()
        judged = _judged_windows(risk_points, findings)

        # Violations in rounds of at most one finding per key, each round one batch: within a key the findings
        # are judged one after another, exactly as if recorded one by one (in practice there is one round).
        pending = sorted((f for f in findings if f.kind == VIOLATION), key=_order)
        while pending:
            batch, later, keys = [], [], set()
            for finding in pending:
                (later if finding.key in keys else batch).append(finding)
                keys.add(finding.key)
            pending = later
            to_record = []
            for finding in batch:
                windows = judged.get(finding.key, ())
                if any(_overlaps(finding.window_start, finding.window_end, s, e) for s, e, _ in windows):
                    summary.violations_overlapping += 1
                else:
                    to_record.append(finding)
            recorded = services.violation_record_many([_arguments(f, as_of) for f in to_record],
                                                      actor=services.SYSTEM, correlation_id=evaluation_id)
            for finding, result in zip(to_record, recorded, strict=True):
                if isinstance(result, ViolationOverlaps):  # recorded meanwhile by another writer: the same judgement
                    summary.violations_overlapping += 1
                    continue
                judged.setdefault(finding.key, []).append((finding.window_start, finding.window_end, "pending"))
                summary.violations_recorded += 1

        open_warnings = {}
        for pk, merchant_id, risk_point, product_id, raised_as_of in Warning.objects.filter(
            state__in=OPEN_WARNING_STATES, risk_point__in=risk_points
        ).values_list("pk", "merchant_id", "risk_point", "product_id", "as_of"):
            open_warnings.setdefault((merchant_id, risk_point, product_id), []).append((pk, raised_as_of))

        found, to_raise = set(), []
        for finding in sorted((f for f in findings if f.kind == WARNING), key=_order):
            found.add(finding.key)
            if finding.key in open_warnings:
                summary.warnings_still_open += 1
            elif any(
                state not in NOT_STANDING_STATES and _overlaps(finding.window_start, finding.window_end, s, e)
                for s, e, state in judged.get(finding.key, ())
            ):
                summary.warnings_covered_by_violation += 1
            else:
                to_raise.append(finding)
        for result in services.warning_raise_many([_arguments(f, as_of) for f in to_raise], actor=services.SYSTEM):
            if isinstance(result, WarningAlreadyOpen):  # raised meanwhile by a reviewer, or earlier in the batch
                summary.warnings_still_open += 1
            else:
                summary.warnings_raised += 1

        resolutions = [
            (pk, f"the {key[1]} rule no longer finds it as of {as_of.isoformat()}")
            for key, warnings in sorted(open_warnings.items()) if key not in found
            for pk, raised_as_of in warnings if raised_as_of <= as_of
        ]
        services.warning_resolve_many(resolutions, actor=services.SYSTEM)
        summary.warnings_resolved = len(resolutions)
    return summary


def _order(finding):
    return (finding.merchant_id, finding.risk_point, finding.product_id, finding.window_end)


def _judged_windows(risk_points, findings):
    """{key: [(window_start, window_end, state)]} of the violations that could overlap a finding.

    One query, bounded to violations whose window ends on or after the earliest finding window.
    """
    if not findings:
        return {}
    earliest = min(f.window_start for f in findings)
    rows = Violation.objects.filter(risk_point__in=risk_points, window_end__gte=earliest).values_list(
        "merchant_id", "risk_point", "product_id", "window_start", "window_end", "state"
    )
    judged = {}
    for merchant_id, risk_point, product_id, start, end, state in rows:
        judged.setdefault((merchant_id, risk_point, product_id), []).append((start, end, state))
    return judged


def _arguments(finding, as_of):
    return {
        "merchant_id": finding.merchant_id,
        "risk_point": finding.risk_point,
        "product_id": finding.product_id,
        "window_start": finding.window_start,
        "window_end": finding.window_end,
        "value": finding.value,
        "threshold": finding.threshold,
        "threshold_version_id": finding.threshold_version_id,
        "explanation": finding.explanation(),
        "as_of": as_of,
    }
