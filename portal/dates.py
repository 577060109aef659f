"""The date range a merchant may ask the metrics for: any range within the last 3 months. One rule
for the API (a 400 with field errors) and the pages (form errors), raised as a plain RangeError."""
import calendar
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

HISTORY_MONTHS = 3
DEFAULT_DAYS = 30


class RangeError(ValueError):
    """A requested range outside the rule: which field is wrong, a stable code, and a message."""

    def __init__(self, field, code, message):
        super().__init__(message)
        self.field, self.code, self.message = field, code, message


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


def checked_range(today: date, start=None, end=None):
    """(start, end) with the defaults filled in, or RangeError when the range breaks the rule."""
    start, end = default_range(today, start, end)
    earliest = earliest_start(today)
    if start > end:
        raise RangeError("start", "invalid_range", _("start (%(start)s) must be on or before end (%(end)s).")
                         % {"start": start, "end": end})
    if end > today:
        raise RangeError("end", "range_in_future", _("end (%(end)s) cannot be after today (%(today)s).")
                         % {"end": end, "today": today})
    if start < earliest:
        raise RangeError("start", "range_too_old",
                         _("The series reaches back at most 3 months: start must be on or after %(earliest)s, "
                           "not %(start)s.") % {"earliest": earliest, "start": start})
    return start, end
