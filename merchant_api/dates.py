"""The date range a merchant may ask the metrics series for: within the last 3 months."""
import calendar
from datetime import date, timedelta

from django.utils import timezone

HISTORY_MONTHS = 3
DEFAULT_DAYS = 30


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier, clamped to the month's last day (31 May -> 28 Feb)."""
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def platform_today() -> date:
    """Today in the platform time zone (settings.TIME_ZONE), the calendar every metric uses."""
    return timezone.localdate()


def earliest_start(today: date) -> date:
    return months_before(today, HISTORY_MONTHS)


def default_range(today: date, start=None, end=None):
    """Fill in what the caller left out: the 30 days up to yesterday (the default as-of day)."""
    yesterday = today - timedelta(days=1)
    if end is None:
        end = max(yesterday, start) if start is not None else yesterday
    if start is None:
        start = max(end - timedelta(days=DEFAULT_DAYS - 1), min(earliest_start(today), end))
    return start, end
