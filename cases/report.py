"""The demo's plain-text report: per merchant, the three rates over the last 30 days and what is at risk."""
import unicodedata
from datetime import timedelta

from metrics.cohorts import STABLE_AFTER_DAYS
from metrics.models import Merchant
from metrics.selectors import RATES, daily_metrics, pooled_rates

from .models import OPEN_WARNING_STATES, Violation, ViolationState, Warning
from .thresholds import thresholds_in_force

SPARK = " ▁▂▃▄▅▆▇█"
RATE_LABELS = {
    "complaint_rate": "complaint rate 投诉率",
    "negative_review_rate": "negative reviews 差评率",
    "merchant_refund_rate": "merchant refunds 商责退单率",
}


def _pad(text, width):
    """Left-justify by display width: a Chinese character takes two columns in a terminal."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - shown)


def _percent(value):
    return "   n/a" if value is None else f"{value * 100:5.2f}%"


def _sparkline(values, scale):
    """One character per day; blank where the rate is undefined."""
    chars = []
    for value in values:
        if value is None:
            chars.append("·")
        else:
            level = min(len(SPARK) - 1, int(value / scale * (len(SPARK) - 1))) if scale else 0
            chars.append(SPARK[max(level, 1)])
    return "".join(chars)


def render(*, as_of, days=30, cases_by_merchant=None):
    """Return the report as text. cases_by_merchant: {merchant_id: [line, ...]} of what is at risk."""
    start = as_of - timedelta(days=days - 1)
    stable_until = as_of - timedelta(days=STABLE_AFTER_DAYS)
    cases_by_merchant = cases_by_merchant or {}
    merchants = {m.merchant_id: m for m in Merchant.objects.all()}
    thresholds = thresholds_in_force(as_of)
    stable = pooled_rates(start=start, end=stable_until, stable=True)
    provisional = pooled_rates(start=stable_until + timedelta(days=1), end=as_of)
    series = {}
    for row in daily_metrics(start=start, end=as_of):
        series.setdefault(row.merchant_id, {})[row.day] = row

    calendar = [start + timedelta(days=i) for i in range(days)]
    split = sum(1 for d in calendar if d <= stable_until)
    lines = [
        f"RiskCase report as of {as_of}: {len(series)} merchants with orders from {start} to {as_of}",
        f"Days up to {stable_until} are stable; the last {days - split} days are provisional and may "
        f"still change (shown after '¦').",
        "",
    ]
    ordered = sorted(series, key=lambda m: (-len(cases_by_merchant.get(m, [])), m))
    for merchant_id in ordered:
        merchant = merchants.get(merchant_id)
        name = f"{merchant.name} [{merchant.category}]" if merchant else "(merchant not yet upserted)"
        lines.append(f"{merchant_id}  {name}")
        for rate in RATES:
            threshold = thresholds.get((merchant.category, rate)) if merchant else None
            values = [getattr(series[merchant_id].get(d), rate, None) for d in calendar]
            scale = max([v for v in values if v is not None] + [threshold.limit if threshold else 0])
            spark = _sparkline(values[:split], scale) + "¦" + _sparkline(values[split:], scale)
            limit = f"limit {_percent(threshold.limit)}, warn {_percent(threshold.warn_at)}" if threshold else ""
            lines.append(
                f"  {_pad(RATE_LABELS[rate], 30)} stable {_percent(stable.get(merchant_id, {}).get(rate))}"
                f"  provisional {_percent(provisional.get(merchant_id, {}).get(rate))}  {spark}  {limit}"
            )
        at_risk = cases_by_merchant.get(merchant_id)
        lines.extend(f"  ⚠ {line}" for line in at_risk) if at_risk else lines.append("  no warnings or violations")
        lines.append("")
    return "\n".join(lines)


def _case_line(kind, case):
    subject = f"{case.risk_point}" + (f" on {case.product_id}" if case.product_id else "")
    value = "" if case.value is None else f": {case.value.normalize():f}"
    threshold = "" if case.threshold is None else f" >= {case.threshold.normalize():f}"
    return f"{kind:<9} {subject}{value}{threshold} over {case.window_start}..{case.window_end} [{case.state}]"


def at_risk_lines():
    """{merchant_id: [line]} for open warnings and standing violations, worst first. Two queries."""
    lines = {}
    standing = [s for s in ViolationState.values if s not in ("appeal_succeeded", "withdrawn")]
    for case in Violation.objects.filter(state__in=standing).order_by("merchant_id", "risk_point"):
        lines.setdefault(case.merchant_id, []).append(_case_line("VIOLATION", case))
    for case in Warning.objects.filter(state__in=OPEN_WARNING_STATES).order_by("merchant_id", "risk_point"):
        lines.setdefault(case.merchant_id, []).append(_case_line("warning", case))
    return lines
