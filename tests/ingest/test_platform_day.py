"""The platform day of a timestamp, remembered per hour of a line's offset, is the day of its own instant."""
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from metrics.ingest import facts
from metrics.ingest.facts import BadLine, _timestamp

OFFSETS = [timezone(timedelta(minutes=m)) for m in (-600, -300, -240, 0, 330, 345, 480, 525, 840)]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu",
                                  "America/Santiago"])
def test_every_minute_around_midnights_and_clock_changes_gets_its_own_instants_day(zone):
    zone = ZoneInfo(zone)
    facts._days.clear()
    # Two days around each of New York's, Lord Howe's and Santiago's (at midnight) clock changes of 2026, minute
    # by minute, in lines of offsets a whole, a half and three quarters of an hour apart from the zone's: the
    # first conversion of an hour is remembered, every later one is read back, and none may differ from the
    # instant's own day.
    starts = [datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 4, 4, tzinfo=UTC), datetime(2026, 10, 3, tzinfo=UTC),
              datetime(2026, 10, 31, tzinfo=UTC)]
    for start in starts:
        for minute in range(0, 2 * 24 * 60, 7):
            instant = start + timedelta(minutes=minute, seconds=minute % 60)
            for offset in OFFSETS:
                text = instant.astimezone(offset).isoformat()
                parsed, day = _timestamp({"at": text}, "at", zone)
                assert parsed == instant
                assert day == instant.astimezone(zone).date(), (text, zone)
    assert facts._days, "the hours are remembered"


def test_a_remembered_hour_never_answers_for_another_zone_or_offset():
    facts._days.clear()
    shanghai, new_york = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")
    assert _timestamp({"at": "2026-06-30T20:30:00+00:00"}, "at", shanghai)[1].isoformat() == "2026-07-01"
    assert _timestamp({"at": "2026-06-30T20:30:00+00:00"}, "at", new_york)[1].isoformat() == "2026-06-30"
    assert _timestamp({"at": "2026-06-30T20:30:00-10:00"}, "at", shanghai)[1].isoformat() == "2026-07-01"
    assert _timestamp({"at": "2026-06-30T15:30:00+00:00"}, "at", shanghai)[1].isoformat() == "2026-06-30"


def test_an_instant_at_the_end_of_the_calendar_is_still_a_clear_error():
    with pytest.raises(BadLine, match="out of range"):
        _timestamp({"at": "0001-01-01T00:00:00+08:00"}, "at", ZoneInfo("Asia/Shanghai"))
    assert _timestamp({"at": "9999-12-31T10:00:00+00:00"}, "at", ZoneInfo("Asia/Shanghai"))[1].isoformat() == "9999-12-31"
