"""What the schema declares about query parameters is what the API enforces: page_size 1-200, a cursor that is
not empty, each parameter once, no empty non-text parameter."""
import pytest

from .conftest import client_for


@pytest.mark.parametrize("query, field", [
    ("page_size=0", "page_size"), ("page_size=201", "page_size"), ("page_size=-615148", "page_size"),
    ("page_size=abc", "page_size"), ("page_size=null&page_size=null", "page_size"),
    ("page_size=5&page_size=5", "page_size"),
    ("cursor=", "cursor"), ("cursor=bz1hYmM%3D", "cursor"), ("cursor=a&cursor=b", "cursor"),
    ("state=open&opened_after=", "opened_after"), ("product_id=a&product_id=b", "product_id"),
])
def test_a_query_outside_the_schema_is_a_400_naming_the_field(staff, query, field):
    response = client_for(staff).get(f"/api/v1/warnings/?{query}")

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize("query", ["", "page_size=1", "page_size=200", "product_id=", "state=open&state=resolved"])
def test_a_query_inside_the_schema_is_served(staff, query):
    assert client_for(staff).get(f"/api/v1/warnings/?{query}").status_code == 200


@pytest.mark.parametrize("query", ["start=", "end=", "start=2026-06-01&start=2026-06-02"])
def test_metrics_refuses_an_empty_or_repeated_date(staff, query):
    response = client_for(staff).get(f"/api/v1/metrics/?{query}")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) & {"start", "end"}


def test_the_message_is_in_chinese_when_asked(staff):
    response = client_for(staff, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/api/v1/warnings/?page_size=0")

    assert response.json()["error"]["fields"]["page_size"] == ["请填写 1 到 200 之间的整数。"]
