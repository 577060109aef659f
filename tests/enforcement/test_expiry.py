"""Expiry happens exactly at the end time, in the platform zone (Asia/Shanghai)."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from enforcement import services, tasks
from enforcement.models import Penalty, PenaltyState, Restriction

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_public_warning_expires_at_its_end_and_not_a_second_before(record):
    start = datetime(2026, 6, 1, 0, 0, tzinfo=SHANGHAI)  # midnight in Shanghai, 16:00 UTC the day before
    with time_machine.travel(start, tick=False):
        record()
    penalty = Penalty.objects.get()
    assert penalty.ends_at == datetime(2026, 6, 8, 0, 0, tzinfo=SHANGHAI)
    with time_machine.travel(penalty.ends_at - timedelta(seconds=1), tick=False):
        assert tasks.expire_penalties() == 0
    with time_machine.travel(penalty.ends_at, tick=False):
        assert tasks.expire_penalties() == 1
        assert tasks.expire_penalties() == 0  # idempotent
    assert Penalty.objects.get().state == PenaltyState.EXPIRED
    assert Restriction.objects.get(merchant_id="m1").public_warning is False


def test_public_notice_lists_a_warning_only_while_it_runs(client, record):
    start = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        record()
        body = client.get("/api/v1/public-notices/").json()
        assert [r["name"] for r in body["results"]] == ["Good Noodles"]
        assert body["results"][0]["risk_points"] == ["complaint_rate"]
        assert "Good Noodles" in client.get("/public/notices/").content.decode()
    with time_machine.travel(start + timedelta(days=7), tick=False):
        services.penalties_expire_due()
        assert client.get("/api/v1/public-notices/").json()["results"] == []
        assert "Good Noodles" not in client.get("/public/notices/").content.decode()
