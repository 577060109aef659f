"""Server-side SVG geometry of the rates page: one chart per rate with its category threshold, and the
provisional (not yet stable) days marked as still changing. The template draws it; no JS library."""
from dataclasses import dataclass, field
from decimal import Decimal

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 24, 12, 28
Y_TICKS = 4


@dataclass
class Chart:
    rate: str
    label: str
    limit: Decimal | None
    warn_at: Decimal | None
    width: int = WIDTH
    height: int = HEIGHT
    stable_paths: list = field(default_factory=list)       # polylines between stable days
    provisional_paths: list = field(default_factory=list)  # segments touching a provisional day
    points: list = field(default_factory=list)             # {x, y, day, value, stable}
    provisional_band: dict | None = None                   # {x, width} shading the provisional days
    limit_y: float | None = None
    warn_y: float | None = None
    y_ticks: list = field(default_factory=list)            # {y, label}
    x_ticks: list = field(default_factory=list)            # {x, label}
    plot: dict = field(default_factory=dict)


def percent(value):
    return None if value is None else f"{Decimal(value) * 100:.2f}%"


def build_chart(rows, *, rate, label, threshold):
    """rows: DailyMetric rows of the range, by day; threshold: its ThresholdVersion or None."""
    chart = Chart(rate=rate, label=label, limit=getattr(threshold, "limit", None),
                  warn_at=getattr(threshold, "warn_at", None))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    chart.plot = {"x": LEFT, "y": TOP, "width": plot_w, "height": plot_h, "bottom": TOP + plot_h}
    values = [getattr(r, rate) for r in rows]
    top = max([v for v in values if v is not None] + [chart.limit or 0, Decimal("0.01")]) * Decimal("1.15")
    # Days are placed by date, so a day without a row leaves a gap rather than squeezing the axis.
    first = rows[0].day if rows else None
    step = plot_w / max((rows[-1].day - first).days, 1) if rows else plot_w

    def x_of(day):
        return round(LEFT + (day - first).days * step, 1)

    def y_of(value):
        return round(TOP + plot_h - float(value / top) * plot_h, 1)

    for i in range(Y_TICKS + 1):
        value = top * i / Y_TICKS
        chart.y_ticks.append({"y": y_of(value), "label": percent(value)})
    chart.limit_y = y_of(chart.limit) if chart.limit is not None else None
    chart.warn_y = y_of(chart.warn_at) if chart.warn_at is not None else None
    every = max(len(rows) // 6, 1)
    previous = None
    for i, (row, value) in enumerate(zip(rows, values, strict=True)):
        x = x_of(row.day)
        if i % every == 0 or i == len(rows) - 1:
            chart.x_ticks.append({"x": x, "label": row.day.strftime("%m-%d")})
        if value is None:
            previous = None
            continue
        point = {"x": x, "y": y_of(value), "day": row.day, "value": percent(value), "stable": row.stable}
        chart.points.append(point)
        if previous is not None and (row.day - previous["day"]).days == 1:
            both_stable = previous["stable"] and point["stable"]
            (chart.stable_paths if both_stable else chart.provisional_paths).append(
                f"{previous['x']},{previous['y']} {x},{point['y']}")
        previous = point
    provisional = [x_of(row.day) for row in rows if not row.stable]
    if provisional:
        start = max(min(provisional) - step / 2, LEFT)
        end = min(max(provisional) + step / 2, LEFT + plot_w)
        chart.provisional_band = {"x": round(start, 1), "width": round(max(end - start, 4), 1)}
    return chart
