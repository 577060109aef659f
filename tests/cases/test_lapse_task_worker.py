"""The lapse job on a real Celery worker (Redis broker, PostgreSQL): upholds lapsed violations, and a
second delivery of the task changes nothing."""
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cases import services
from cases.models import Violation
from cases.tasks import uphold_lapsed_violations
from eventstore.models import Event

from .conftest import judgement

pytestmark = [pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]



def test_the_worker_upholds_lapsed_violations_once(celery_worker, merchant):
    with time_machine.travel(timezone.now() - timedelta(days=8)):
        lapsed = services.violation_record(**judgement())
    fresh = services.violation_record(**judgement(risk_point="negative_review_rate"))
    assert uphold_lapsed_violations.delay().get(timeout=60) == [str(lapsed.pk)]
    assert uphold_lapsed_violations.delay().get(timeout=60) == []
    assert Violation.objects.get(pk=lapsed.pk).state == "upheld"
    assert Violation.objects.get(pk=fresh.pk).state == "pending"
    assert Event.objects.filter(stream=lapsed.stream, type="violation.upheld").count() == 1
