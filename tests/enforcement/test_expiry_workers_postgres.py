"""Two workers running the expiry task at once lift each penalty once (PostgreSQL, threads)."""
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from enforcement import services
from enforcement.models import Penalty, PenaltyState
from eventstore.models import Event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_two_workers_expire_each_penalty_once(record, merchant):
    from tests.factories import MerchantFactory
    for i in range(12):
        MerchantFactory(merchant_id=f"w{i}")
        record(merchant_id=f"w{i}")
    later = timezone.now() + timedelta(days=8)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            with time_machine.travel(later, tick=False):
                barrier.wait()
                results.append(services.penalties_expire_due(limit=3))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(results) == 12
    assert Penalty.objects.filter(state=PenaltyState.EXPIRED).count() == 12
    assert Event.objects.filter(type="penalty.expired").count() == 12
