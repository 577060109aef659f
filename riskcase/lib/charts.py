"""One geometry for every rate chart (the merchants' pages and the reviewers' case page), drawn as
server-side SVG by templates/charts/rate_chart.html: days placed by date, the daily rates as bars,
the pooled window rate (the figure the rules judge) as a line, nice y ticks, and the warning and
limit lines drawn apart (dashes and colour)."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 60, 16, 16, 30
Y_TICKS = 4
RATE_PLACES = Decimal("0.000001")


def percent(value, places=2):
    """A rate (0.0425) as a percentage with a fixed number of decimals ("4.25%"); None stays None."""
    return None if value is None else f"{Decimal(value) * 100:.{places}f}%"


def pooled(numerator, denominator):
    """numerator / denominator as an exact 6-place decimal (half even), None without a denominator."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN)


def nice_ticks(maximum, count=Y_TICKS):
    """Tick values from 0 with a step of 1, 2, 2.5 or 5 x 10^k, the last at or above `maximum`."""
    maximum = Decimal(maximum)
    if maximum <= 0:
        maximum = Decimal("0.01")
    raw = maximum / count
    magnitude = Decimal(1).scaleb(raw.adjusted())
    step = next(m * magnitude for m in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
                if m * magnitude >= raw)
    ticks, value = [], Decimal(0)
    while True:
        ticks.append(value)
        if value >= maximum:
            return ticks
        value += step


@dataclass
class Day:
    """One day of a series: the day's own rate and the pooled rate of the window ending on it."""

    day: date
    value: Decimal | None
    pooled: Decimal | None
    stable: bool = True


def pooled_series(rows, *, numerator, denominator, rate, window_days, start, end):
    """[Day] for the days of [start, end] with a stored row: the daily rate, and the rate pooled over the
    `window_days` calendar days ending on that day (sum of numerators / sum of denominators), as the rate
    rules pool. `rows` must reach back window_days - 1 days before start for the first pools to be whole."""
    by_day = {r.day: r for r in rows}
    series = []
    for row in sorted(rows, key=lambda r: r.day):
        if not start <= row.day <= end:
            continue
        window = [by_day.get(row.day - timedelta(days=i)) for i in range(window_days)]
        num = sum(getattr(r, numerator) for r in window if r is not None)
        den = sum(getattr(r, denominator) for r in window if r is not None)
        series.append(Day(day=row.day, value=getattr(row, rate), pooled=pooled(num, den), stable=row.stable))
    return series


@dataclass
class Chart:
    key: str
    label: str
    start: date
    end: date
    warn_at: Decimal | None = None
    limit: Decimal | None = None
    window_days: int | None = None
    width: int = WIDTH
    height: int = HEIGHT
    plot: dict = field(default_factory=dict)
    bars: list = field(default_factory=list)           # {x, y, width, height, day, value, stable}
    pooled_paths: list = field(default_factory=list)   # "x,y x,y ..." runs of consecutive days
    pooled_points: list = field(default_factory=list)  # {x, y, day, value}
    y_ticks: list = field(default_factory=list)        # {y, label}
    x_ticks: list = field(default_factory=list)        # {x, label}
    warn_y: float | None = None
    limit_y: float | None = None
    provisional_band: dict | None = None               # {x, width}
    highlight_band: dict | None = None                 # {x, width}: a case's window
    empty: bool = True
    compact: "Chart | None" = None                     # the same chart drawn for a phone's width

    @property
    def warn_pct(self):
        return percent(self.warn_at)

    @property
    def limit_pct(self):
        return percent(self.limit)


COMPACT = {"width": 360, "height": 230, "left": 50, "x_labels": 4}


def build(series, *, key, label, start, end, warn_at=None, limit=None, window_days=None, highlight=None,
          compact=False, width=WIDTH, height=HEIGHT, left=LEFT, x_labels=6):
    """The geometry of one chart over [start, end]: `series` is [Day]; `highlight` an optional
    (first, last) day range to shade (a case's window). With compact=True the chart also carries a
    narrower drawing of itself (chart.compact), so labels stay legible on a phone."""
    arguments = {"key": key, "label": label, "start": start, "end": end, "warn_at": warn_at, "limit": limit,
                 "window_days": window_days, "highlight": highlight}
    chart = Chart(key=key, label=label, start=start, end=end, warn_at=warn_at, limit=limit,
                  window_days=window_days, empty=not series, width=width, height=height)
    if compact:
        chart.compact = build(series, **arguments, **COMPACT)
    plot_w, plot_h = width - left - RIGHT, height - TOP - BOTTOM
    chart.plot = {"x": left, "y": TOP, "width": plot_w, "height": plot_h, "bottom": TOP + plot_h,
                  "right": left + plot_w, "cx": left + plot_w / 2, "cy": TOP + plot_h / 2}
    span = max((end - start).days + 1, 1)
    slot = plot_w / span

    values = [d.value for d in series if d.value is not None] + [d.pooled for d in series if d.pooled is not None]
    ticks = nice_ticks(max([*values, warn_at or 0, limit or 0]))
    top = ticks[-1]
    places = 0 if all((t * 100) == (t * 100).to_integral_value() for t in ticks) else (
        1 if all((t * 1000) == (t * 1000).to_integral_value() for t in ticks) else 2)

    def x_mid(day):
        return round(left + ((day - start).days + 0.5) * slot, 1)

    def y_of(value):
        return round(TOP + plot_h - float(Decimal(value) / top) * plot_h, 1)

    chart.y_ticks = [{"y": y_of(t), "label": percent(t, places)} for t in ticks]
    chart.warn_y = y_of(warn_at) if warn_at is not None else None
    chart.limit_y = y_of(limit) if limit is not None else None

    every = max(1, -(-span // x_labels))  # at most x_labels + 1 labels, whatever the range
    day = start
    while day <= end:
        if (day - start).days % every == 0:
            chart.x_ticks.append({"x": x_mid(day), "label": day.strftime("%m-%d")})
        day += timedelta(days=1)

    bar_w = round(max(min(slot * 0.6, 14), 1.5), 1)
    run, previous = [], None
    for d in series:
        if d.value is not None:
            y = y_of(d.value)
            chart.bars.append({"x": round(x_mid(d.day) - bar_w / 2, 1), "y": y, "width": bar_w,
                               "height": round(TOP + plot_h - y, 1), "day": d.day, "value": percent(d.value),
                               "stable": d.stable})
        if d.pooled is None:
            previous = None
            continue
        point = {"x": x_mid(d.day), "y": y_of(d.pooled), "day": d.day, "value": percent(d.pooled)}
        chart.pooled_points.append(point)
        if previous is None or (d.day - previous).days != 1:
            run = []
            chart.pooled_paths.append(run)
        run.append(f"{point['x']},{point['y']}")
        previous = d.day
    chart.pooled_paths = [" ".join(r) for r in chart.pooled_paths if r]

    provisional = [d.day for d in series if not d.stable]
    if provisional:
        chart.provisional_band = _band(min(provisional), max(provisional), start, slot, left)
    if highlight is not None:
        first, last = max(highlight[0], start), min(highlight[1], end)
        if first <= last:
            chart.highlight_band = _band(first, last, start, slot, left)
    return chart


def _band(first, last, start, slot, left):
    x = left + (first - start).days * slot
    width = max(((last - first).days + 1) * slot, 2)
    # The band's label ends at the band's right edge, so it never runs off the chart.
    return {"x": round(x, 1), "width": round(width, 1), "label_x": round(x + width - 3, 1)}
