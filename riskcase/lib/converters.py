"""Path converters shared by the URL confs."""
from datetime import date

from django.urls import register_converter


class DayConverter:
    """A calendar day as YYYY-MM-DD; anything else (2026-02-30 included) is not a match (404)."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(value) from None

    def to_url(self, value):
        return value.isoformat() if isinstance(value, date) else str(value)


register_converter(DayConverter, "day")
