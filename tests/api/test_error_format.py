"""Every error of the API, whatever raised it, is {"error": {"code", "message", "fields"}}."""
import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.test import override_settings
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.errors import ConcurrencyError, TransitionNotAllowed
from riskcase import urls as project_urls

from .conftest import assert_error


class _Raises(APIView):
    authentication_classes = []
    permission_classes = []
    error = None

    def get(self, request):
        raise self.error
        return Response()  # pragma: no cover


urlpatterns = project_urls.urlpatterns + [
    path("api/test/concurrency/", _Raises.as_view(error=ConcurrencyError())),
    path("api/test/transition/", _Raises.as_view(error=TransitionNotAllowed())),
    path("api/test/crash/", _Raises.as_view(error=RuntimeError("boom"))),
    path("api/test/django-validation/", _Raises.as_view(error=DjangoValidationError("not a valid UUID"))),
]
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def test_no_credentials_is_a_401(anon, db):
    response = anon.get("/api/v1/metrics/")

    error = assert_error(response, 401, "not_authenticated")
    assert error["message"] == "Authentication credentials were not provided."
    assert response["WWW-Authenticate"] == "Token"


def test_an_unknown_api_url_is_a_404_in_the_format(api):
    error = assert_error(api.get("/api/v1/no-such-thing/"), 404, "not_found")

    assert error["message"] == "Not found."


def test_a_wrong_method_is_a_405(api):
    assert_error(api.delete("/api/v1/metrics/"), 405, "method_not_allowed")


def test_invalid_json_is_a_400(anon, db):
    response = anon.post("/api/v1/auth/login/", "{not json", content_type="application/json")

    assert_error(response, 400, "parse_error")


def test_errors_are_in_chinese_for_a_chinese_client(anon, db):
    response = anon.get("/api/v1/metrics/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    error = assert_error(response, 401, "not_authenticated")
    assert error["message"] == "身份认证信息未提供。"


def test_an_unknown_api_url_in_chinese(api):
    error = assert_error(api.get("/api/v1/nope/", HTTP_ACCEPT_LANGUAGE="zh-hans"), 404, "not_found")

    assert error["message"] == "未找到。"


@override_settings(ROOT_URLCONF=__name__)
def test_a_stale_write_is_a_409(anon, db):
    error = assert_error(anon.get("/api/test/concurrency/"), 409, "concurrency_error")

    assert "changed by someone else" in error["message"]


@override_settings(ROOT_URLCONF=__name__)
def test_a_transition_not_allowed_is_a_409(anon, db):
    assert_error(anon.get("/api/test/transition/"), 409, "transition_not_allowed")


@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_is_a_500_in_the_format_that_reveals_nothing(db):
    from rest_framework.test import APIClient

    client = APIClient(raise_request_exception=False)

    response = client.get("/api/test/crash/")

    error = assert_error(response, 500, "server_error")
    assert "boom" not in response.content.decode()
    assert error["fields"] == {}


@pytest.mark.parametrize("path", ["/api/v1/metrics/", "/api/v1/auth/logout/", "/api/v1/auth/logout-all/"])
def test_every_protected_endpoint_refuses_anonymous_callers_in_the_format(anon, db, path):
    response = anon.post(path) if "auth" in path else anon.get(path)

    assert_error(response, 401, "not_authenticated")


@override_settings(ROOT_URLCONF=__name__)
def test_a_value_a_model_field_refuses_is_a_400(anon, db):
    assert_error(anon.get("/api/test/django-validation/"), 400, "invalid")
