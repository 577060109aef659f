"""The demo's report writes a penalty's end in the platform's time zone, named, as the pages and the API do."""
from datetime import UTC, datetime

import pytest

from enforcement.models import Penalty, PenaltyState
from enforcement.report import penalty_lines

pytestmark = pytest.mark.django_db


def test_a_penalty_end_is_written_in_the_platform_time_zone(record, merchant, settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    record()  # a first violation: a public warning in force
    Penalty.objects.filter(merchant_id=merchant.merchant_id, state=PenaltyState.ACTIVE).update(
        ends_at=datetime(2026, 12, 8, 7, 31, tzinfo=UTC))
    [line] = penalty_lines()[merchant.merchant_id]
    assert "until 2026-12-08 15:31 (Asia/Shanghai)" in line
