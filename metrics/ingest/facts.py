"""Validation of one ingest line into a row of its table (data contract section 1).

The hot path of the ingest: a valid line costs one orjson parse, a few type checks and, per timestamp, its
platform day, and gives a plain tuple in its table's column order (COLUMNS), the key first, with no object
per line; a broken line raises BadLine with the reason.
"""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import orjson
from django.conf import settings

from metrics.models import ID_LENGTH, ComplaintReason, RefundResponsibility

# fact type -> the columns of a parsed row, in order (the key first). The facts on an order get their
# merchant_id from it when stored (metrics/ingest/writer.py): it is not part of their content.
COLUMNS = {
    "merchant_upserted": ("merchant_id", "name", "category", "entity_id", "occurred_at"),
    "order_paid": ("order_id", "merchant_id", "product_id", "amount_cents", "paid_at", "paid_day"),
    "order_verified": ("order_id", "verified_at", "verified_day"),
    "review_posted": ("review_id", "order_id", "rating", "posted_at", "posted_day", "text"),
    "complaint_filed": ("complaint_id", "order_id", "reason", "filed_at", "filed_day", "text"),
    "refund_completed": ("refund_id", "order_id", "responsibility", "amount_cents", "refunded_at", "refunded_day"),
}


class BadLine(ValueError):
    """The line breaks the contract; the message says why."""


MAX_CENTS = 2**63 - 1  # the largest amount a BIGINT column holds
_fromisoformat = datetime.fromisoformat
_HOUR = timedelta(hours=1) - timedelta(microseconds=1)  # the last instant of an hour, from its start


def platform_zone():
    return ZoneInfo(settings.TIME_ZONE)


def _id(obj, field, required=True):
    value = obj.get(field)
    if type(value) is str and 0 < len(value) <= ID_LENGTH and "\x00" not in value:
        return value  # the common case, checked in one expression
    if value is None:
        if required:
            raise BadLine(f"missing field '{field}'")
        return ""
    if not isinstance(value, str):
        raise BadLine(f"field '{field}' must be a string")
    if not 1 <= len(value) <= ID_LENGTH:
        raise BadLine(f"field '{field}' must be 1 to {ID_LENGTH} characters")
    _no_nul(value, field)
    return value


def _no_nul(value, field):
    # PostgreSQL cannot store NUL in text: reject it on every database so the batch is not lost.
    if "\x00" in value:
        raise BadLine(f"field '{field}' must not contain NUL characters")


def _text(obj, field, max_length=None):
    value = obj.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadLine(f"field '{field}' must be a string")
    if max_length and len(value) > max_length:
        raise BadLine(f"field '{field}' must be at most {max_length} characters")
    _no_nul(value, field)
    return value


def _required_text(obj, field, max_length):
    if obj.get(field) is None:
        raise BadLine(f"missing field '{field}'")
    value = _text(obj, field, max_length)
    if not value:
        raise BadLine(f"field '{field}' must not be empty")
    return value


def _int(obj, field, minimum=None, maximum=None):
    value = obj.get(field)
    if type(value) is int and (minimum is None or value >= minimum) and (maximum is None or value <= maximum):
        return value
    if value is None:
        raise BadLine(f"missing field '{field}'")
    # bool is an int in Python but not in JSON.
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadLine(f"field '{field}' must be an integer")
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        bounds = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
        raise BadLine(f"field '{field}' must be in {bounds}")
    return value


def _choice(obj, field, choices):
    value = obj.get(field)
    if type(value) is str and value in choices:
        return value
    if value is None:
        raise BadLine(f"missing field '{field}'")
    # A list or object is unhashable: test the type first so it is a bad line, not a crash.
    if not isinstance(value, str) or value not in choices:
        raise BadLine(f"field '{field}' must be one of {', '.join(sorted(choices))}")
    return value


def _timestamp(obj, field, zone):
    """Returns (the instant, calendar day in the platform zone). The instant keeps the line's own UTC offset:
    an aware datetime is one instant whatever its offset (it compares, hashes and is stored as such), so the
    second conversion, to UTC, is left to the database adapter; the one to the platform zone is the day's."""
    value = obj.get(field)
    if value is None:
        raise BadLine(f"missing field '{field}'")
    if not isinstance(value, str):
        raise BadLine(f"field '{field}' must be an ISO 8601 timestamp string")
    try:
        parsed = _fromisoformat(value)
    except ValueError:
        raise BadLine(f"field '{field}' is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:  # fromisoformat gives a fixed offset or none
        raise BadLine(f"field '{field}' has no UTC offset")
    day = _days.get((parsed.year, parsed.month, parsed.day, parsed.hour, parsed.tzinfo, zone))
    if day is not None:
        return parsed, day
    try:
        return parsed, _platform_day(parsed, zone)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+08:00 has no UTC instant
        raise BadLine(f"field '{field}' is out of range") from None


# (year, month, day, hour, UTC offset of a line, platform zone) -> the platform day of every instant of that hour
# of that offset, when they all share one. A feed's timestamps fall in few hours: the day is then one dict
# look-up, not a conversion through the zone's rules.
_days = {}


def _platform_day(parsed, zone):
    """The calendar day of the instant `parsed` (aware) in `zone`; remembers it for the whole hour it falls in
    when the zone keeps one UTC offset through that hour (no transition in it, which could take the clock back
    across midnight) and the hour does not straddle the zone's midnight (a line whose offset differs from the
    zone's by a fraction of an hour). The cache is per process, bounded, and shared by the threads that parse."""
    day = parsed.astimezone(zone).date()  # by way of UTC: raises when the instant has none
    start = parsed.replace(minute=0, second=0, microsecond=0)
    try:
        first, last = start.astimezone(zone), (start + _HOUR).astimezone(zone)
    except OverflowError:  # the hour touches the end of the calendar: convert each instant
        return day
    if first.utcoffset() == last.utcoffset() and first.date() == last.date() == day:
        if len(_days) > 100_000:
            _days.clear()
        _days[(parsed.year, parsed.month, parsed.day, parsed.hour, parsed.tzinfo, zone)] = day
    return day


def _merchant(obj, zone):
    category = obj.get("category")
    if category is None:
        raise BadLine("missing field 'category'")
    if category not in settings.RISKCASE_CATEGORIES:
        raise BadLine(f"unknown category {category!r}")
    occurred_at, _day = _timestamp(obj, "occurred_at", zone)
    return (_id(obj, "merchant_id"), _required_text(obj, "name", 200), category, _id(obj, "entity_id", required=False),
            occurred_at)


def _order_paid(obj, zone):
    paid_at, paid_day = _timestamp(obj, "paid_at", zone)
    return (_id(obj, "order_id"), _id(obj, "merchant_id"), _id(obj, "product_id"),
            _int(obj, "amount_cents", 0, MAX_CENTS), paid_at, paid_day)


def _order_verified(obj, zone):
    verified_at, verified_day = _timestamp(obj, "verified_at", zone)
    return (_id(obj, "order_id"), verified_at, verified_day)


def _review(obj, zone):
    posted_at, posted_day = _timestamp(obj, "posted_at", zone)
    return (_id(obj, "review_id"), _id(obj, "order_id"), _int(obj, "rating", 1, 5), posted_at, posted_day,
            _text(obj, "text"))


_REASONS = frozenset(ComplaintReason.values)
_RESPONSIBILITIES = frozenset(RefundResponsibility.values)


def _complaint(obj, zone):
    filed_at, filed_day = _timestamp(obj, "filed_at", zone)
    return (_id(obj, "complaint_id"), _id(obj, "order_id"), _choice(obj, "reason", _REASONS), filed_at, filed_day,
            _text(obj, "text"))


def _refund(obj, zone):
    refunded_at, refunded_day = _timestamp(obj, "refunded_at", zone)
    return (_id(obj, "refund_id"), _id(obj, "order_id"), _choice(obj, "responsibility", _RESPONSIBILITIES),
            _int(obj, "amount_cents", 0, MAX_CENTS), refunded_at, refunded_day)


PARSERS = {
    "merchant_upserted": _merchant,
    "order_paid": _order_paid,
    "order_verified": _order_verified,
    "review_posted": _review,
    "complaint_filed": _complaint,
    "refund_completed": _refund,
}


def parse_line(raw, zone):
    """Parse one JSON line (bytes or str) into (fact type, row), or raise BadLine with the reason."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadLine(f"invalid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise BadLine("a line must be a JSON object")
    kind = obj.get("type")
    if kind is None:
        raise BadLine("missing field 'type'")
    parser = PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise BadLine(f"unknown type {kind!r}")
    return kind, parser(obj, zone)
