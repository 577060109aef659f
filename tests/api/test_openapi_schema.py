"""/api/schema/ is valid OpenAPI 3 documenting the merchants' API; /api/docs/ serves Swagger UI
from our own static files."""
import re

from drf_spectacular.validation import validate_schema


def test_the_schema_is_valid_openapi_3(anon, db):
    response = anon.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on an invalid document


def test_the_schema_documents_every_api_with_who_may_call_each_operation(anon, db):
    schema = anon.get("/api/schema/", {"format": "json"}).json()

    assert {"/api/v1/auth/login/", "/api/v1/auth/logout/", "/api/v1/auth/logout-all/",
            "/api/v1/metrics/", "/api/v1/warnings/", "/api/v1/warnings/{id}/",
            "/api/v1/warnings/{id}/acknowledge/", "/api/v1/ingest/", "/api/v1/review/cases/"} <= set(schema["paths"])
    assert schema["paths"]["/api/v1/ingest/"]["post"]["x-service-scope"] == "ingest"
    assert schema["paths"]["/api/v1/review/cases/"]["post"]["x-service-scope"] == "cases:open"
    assert schema["paths"]["/api/v1/review/cases/"]["post"]["x-reviewer"] is True
    assert "serviceToken" in schema["components"]["securitySchemes"]


def test_the_schema_describes_token_auth_and_the_error_format(anon, db):
    schema = anon.get("/api/schema/", {"format": "json"}).json()

    scheme = schema["components"]["securitySchemes"]["knoxApiToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert '"Token"' in scheme["description"]
    assert "Error" in schema["components"]["schemas"]
    metrics = schema["paths"]["/api/v1/metrics/"]["get"]
    assert {p["name"] for p in metrics["parameters"]} == {"start", "end", "product", "X-Merchant-Id"}
    assert metrics["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


def test_the_docs_page_loads_swagger_ui_from_our_static_files(anon, db):
    response = anon.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(not s.startswith(("http://", "https://", "//")) for s in sources), sources
    assert any("/static/drf_spectacular_sidecar/" in s for s in sources)
