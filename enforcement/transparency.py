"""The transparency report (DSA Art. 15 and 24): per period, what was decided and how, built from the
events so that re-running it for a past period gives the same figures.

A merchant's category is read from the merchant table (the only figure not carried by the events): a
merchant moved to another category later moves its past cases with it.
"""
import csv
import io
import math
from collections import Counter, defaultdict
from statistics import median

from eventstore.models import Event
from metrics.models import Merchant

from .statements import _period


def percentile(values, p):
    """Nearest-rank percentile (the smallest value with at least p% of the values at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _hours(delta):
    return round(delta.total_seconds() / 3600, 2)


def report(*, since, until):
    """The figures of the days since..until (inclusive, platform time). A constant number of queries."""
    start, end = _period(since, until)
    events = list(Event.objects.filter(
        occurred_at__gte=start, occurred_at__lte=end,
        type__in=["warning.raised", "violation.recorded", "violation.appeal_submitted", "violation.appeal_decided",
                  "violation.withdrawn", "penalty.imposed", "penalty.lifted"],
    ).order_by("pk").only("stream", "type", "data", "metadata", "occurred_at"))
    decided_streams = {e.stream for e in events if e.type == "violation.appeal_decided"}
    submitted_at = dict(Event.objects.filter(stream__in=decided_streams, type="violation.appeal_submitted")
                        .values_list("stream", "occurred_at"))
    penalty_streams = {e.stream for e in events if e.type in ("penalty.imposed", "penalty.lifted")}
    proposals = {row.stream: row.data for row in Event.objects.filter(stream__in=penalty_streams,
                                                                      type="penalty.proposed").only("stream", "data")}
    merchants = {e.data["merchant_id"] for e in events if e.type in ("warning.raised", "violation.recorded")}
    category = dict(Merchant.objects.filter(pk__in=merchants).values_list("merchant_id", "category"))

    per_point = defaultdict(lambda: {"warnings": 0, "violations": 0})
    detected_automatically = decided_automatically = violations = 0
    appeals = Counter()
    decide_hours = []
    penalties_per_step = Counter()
    reversals = Counter()
    for e in events:
        if e.type in ("warning.raised", "violation.recorded"):
            key = (e.data["risk_point"], category.get(e.data["merchant_id"], ""))
            per_point[key]["warnings" if e.type == "warning.raised" else "violations"] += 1
        if e.type == "violation.recorded":
            violations += 1
            kind = e.metadata.get("actor_kind")
            detected_automatically += kind in ("system", "service")
            decided_automatically += kind == "system"
        elif e.type == "violation.appeal_submitted":
            appeals["received"] += 1
        elif e.type == "violation.appeal_decided":
            appeals["overturned" if e.data["accepted"] else "upheld"] += 1
            decide_hours.append(_hours(e.occurred_at - submitted_at[e.stream]))
        elif e.type == "violation.withdrawn":
            reversals["violation_withdrawn"] += 1
        elif e.type == "penalty.imposed":
            proposal = proposals[e.stream]
            penalties_per_step[(proposal["step"], proposal["kind"])] += 1
        elif e.type == "penalty.lifted":
            reversals[f"penalty_lifted:{e.data['cause']}"] += 1
    reversals["appeal_overturned"] = appeals["overturned"]
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "cases": [{"risk_point": rp, "category": cat, **counts} for (rp, cat), counts in sorted(per_point.items())],
        "violations": violations,
        "detected_automatically": detected_automatically,
        "decided_automatically": decided_automatically,
        "automated_detection_share": round(detected_automatically / violations, 4) if violations else None,
        "automated_decision_share": round(decided_automatically / violations, 4) if violations else None,
        "appeals": {"received": appeals["received"], "upheld": appeals["upheld"],
                    "overturned": appeals["overturned"]},
        "hours_to_decide_appeal": {"count": len(decide_hours),
                                   "median": median(decide_hours) if decide_hours else None,
                                   "p90": percentile(decide_hours, 90)},
        "penalties_per_step": [{"step": step, "kind": kind, "imposed": n}
                               for (step, kind), n in sorted(penalties_per_step.items())],
        "reversals": dict(sorted(reversals.items())),
    }


def as_csv(figures):
    """The report as one CSV table: section, key, value."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "key", "value"])
    writer.writerow(["period", "since", figures["since"]])
    writer.writerow(["period", "until", figures["until"]])
    for row in figures["cases"]:
        for what in ("warnings", "violations"):
            writer.writerow([what, f"{row['risk_point']}/{row['category']}", row[what]])
    for key in ("violations", "detected_automatically", "decided_automatically", "automated_detection_share",
                "automated_decision_share"):
        writer.writerow(["automation", key, "" if figures[key] is None else figures[key]])
    for key, value in figures["appeals"].items():
        writer.writerow(["appeals", key, value])
    for key, value in figures["hours_to_decide_appeal"].items():
        writer.writerow(["hours_to_decide_appeal", key, "" if value is None else value])
    for row in figures["penalties_per_step"]:
        writer.writerow(["penalties_per_step", f"{row['step']}/{row['kind']}", row["imposed"]])
    for key, value in figures["reversals"].items():
        writer.writerow(["reversals", key, value])
    return buffer.getvalue()
