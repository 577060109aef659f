"""On PostgreSQL, from real threads: two simultaneous submissions with one Idempotency-Key create one
appeal, and both callers get the same 201."""
import threading

import pytest
from django.db import connection

from cases.models import Appeal, AppealEvidence
from tests.factories import record_violation

from .conftest import client_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PDF = b"%PDF-1.4\n%%EOF\n"


def test_two_simultaneous_retries_with_one_key_create_one_appeal(merchant, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    violation = record_violation(merchant)
    clients = [client_for(staff), client_for(staff)]
    start = threading.Barrier(2)
    responses = [None, None]

    def submit(i):
        try:
            start.wait()
            responses[i] = clients[i].post(
                f"/api/v1/violations/{violation.pk}/appeal/",
                {"statement": "We were closed.", "files": [SimpleUploadedFile("lease.pdf", PDF)]},
                format="multipart", HTTP_IDEMPOTENCY_KEY="retry-1")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert [r.status_code for r in responses] == [201, 201], [r.content for r in responses]
    assert responses[0].json() == responses[1].json()
    assert sorted(r.has_header("Idempotent-Replayed") for r in responses) == [False, True]
    assert Appeal.objects.count() == 1 and AppealEvidence.objects.count() == 1
