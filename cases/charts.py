"""A small inline SVG chart of a merchant's daily rate around a case's window (no JS library)."""
from datetime import timedelta
from decimal import Decimal

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .selectors import chart_rate_name, merchant_daily_rates

WIDTH, HEIGHT, PAD = 640, 180, 28
MARGIN_DAYS = 7
MAX_DAYS = 120


def rate_chart(case):
    """SVG markup: the daily rate (line), the case's window (shaded) and its threshold (dashed)."""
    rate = chart_rate_name(case.risk_point)
    end = case.window_end + timedelta(days=MARGIN_DAYS)
    start = max(case.window_start - timedelta(days=MARGIN_DAYS), end - timedelta(days=MAX_DAYS))
    points = merchant_daily_rates(merchant_id=case.merchant_id, rate=rate, start=start, end=end)
    days = (end - start).days or 1
    values = [v for _, v in points if v is not None]
    top = max(values + [case.threshold or Decimal(0), Decimal("0.01")]) * Decimal("1.2")

    def x(day):
        return PAD + (WIDTH - 2 * PAD) * (day - start).days / days

    def y(value):
        return HEIGHT - PAD - float((HEIGHT - 2 * PAD) * Decimal(value) / top)

    parts = [
        f'<rect x="{x(max(case.window_start, start)):.1f}" y="{PAD}" '
        f'width="{max(x(case.window_end) - x(max(case.window_start, start)), 1):.1f}" '
        f'height="{HEIGHT - 2 * PAD}" fill="#fde9c8"/>',
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#888"/>',
    ]
    if case.threshold is not None and case.threshold <= top:
        parts.append(
            f'<line x1="{PAD}" y1="{y(case.threshold):.1f}" x2="{WIDTH - PAD}" y2="{y(case.threshold):.1f}" '
            f'stroke="#c0392b" stroke-dasharray="4 3"/>'
            f'<text x="{WIDTH - PAD}" y="{y(case.threshold) - 3:.1f}" font-size="10" text-anchor="end" '
            f'fill="#c0392b">{escape(_("threshold"))} {case.threshold.normalize()}</text>'
        )
    segment = []
    segments = [segment]
    for day, value in points:
        if value is None:
            segment = []
            segments.append(segment)
        else:
            segment.append(f"{x(day):.1f},{y(value):.1f}")
    for seg in segments:
        if len(seg) > 1:
            parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="#2c6fbb" stroke-width="1.5"/>')
        for point in seg:
            cx, cy = point.split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="2" fill="#2c6fbb"/>')
    parts.append(
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="10">{start.isoformat()}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="10" text-anchor="end">{end.isoformat()}</text>'
        f'<text x="{PAD}" y="{PAD - 8}" font-size="11">{escape(rate)} ({escape(_("max"))} {top.quantize(Decimal("0.0001"))})</text>'
    )
    if not points:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" font-size="12" fill="#888">'
                     f'{escape(_("No daily metrics for this period."))}</text>')
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" aria-label="{}">{}</svg>',
        WIDTH, HEIGHT, _("Daily rate around the window"), mark_safe("".join(parts)),
    )
