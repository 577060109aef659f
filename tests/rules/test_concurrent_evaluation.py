"""Two evaluations of the same night at once (the nightly chord and a manual recompute) do not
both record the same case: evaluations are serialised by an advisory lock on PostgreSQL."""
import threading

import pytest
from django.db import connection

from cases.evaluation import rules_evaluate
from cases.models import Violation, Warning
from eventstore.models import Event


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_evaluations_record_each_case_once(make_merchant, make_metric, complaints_on, as_of):
    complaints_on(as_of, 10, product_id="p1")  # a violation (and a covered warning)
    complaints_on(as_of, 5, product_id="p2")  # a warning
    start = threading.Barrier(2)
    errors, summaries = [], []

    def evaluate():
        try:
            start.wait(timeout=10)
            summaries.append(rules_evaluate(as_of))
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=evaluate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(s.violations_recorded for s in summaries) == [0, 1]
    assert sorted(s.warnings_raised for s in summaries) == [0, 1]
    assert (Violation.objects.count(), Warning.objects.count()) == (1, 1)
    assert Event.objects.filter(stream__startswith="violation-").count() == 1
