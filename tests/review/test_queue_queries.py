"""The queues cost the same number of queries however many rows a page holds."""
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services
from eventstore.actors import Actor

from .conftest import knox_client
from .test_admin_api_parity import _judgement


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_queue_queries_do_not_grow_with_rows(reviewer, merchant):
    client = knox_client(reviewer)
    urls = ["/api/v1/review/warnings/", "/api/v1/review/violations/", "/api/v1/review/appeals/",
            "/api/v1/review/penalties/"]

    def add(count):
        for _ in range(count):
            services.warning_raise(**_judgement(value="0.045", threshold="0.04"))
            violation = services.violation_record(**_judgement())
            services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant("m-1"), statement="no")

    add(2)
    few = [_queries(client, url) for url in urls]
    add(8)
    many = [_queries(client, url) for url in urls]

    assert many == few
