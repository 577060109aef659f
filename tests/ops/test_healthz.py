"""GET /healthz: 200 only when the database and Redis answer, 503 naming what failed."""
import pytest
from django.db import connection
from django.db.utils import OperationalError

pytestmark = pytest.mark.django_db


@pytest.mark.redis
def test_healthz_answers_200_when_database_and_redis_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert "no-store" in response["Cache-Control"]


def test_healthz_stays_200_naming_redis_as_degraded_when_redis_is_down(client, settings, closed_port):
    """Reads fall back to the database: a cache outage must not take every web process out of service."""
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": settings.REDIS_URL}}

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["degraded"] == ["redis"] and "failed" not in body
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "ConnectionError"


def test_healthz_answers_503_naming_the_database_when_it_does_not_answer(client, settings, monkeypatch):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert response.json()["checks"]["database"] == "OperationalError"


def test_healthz_without_redis_is_healthy_when_celery_runs_tasks_in_process(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "not configured (Celery runs tasks in-process)"


def test_healthz_without_redis_is_unhealthy_when_tasks_need_a_broker(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.DEBUG = False

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["redis"]
    assert response.json()["checks"]["redis"] == "not configured"


def test_healthz_without_redis_is_unhealthy_in_production_even_in_eager_mode(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.RISKCASE_PRODUCTION = True

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["redis"]


def test_healthz_needs_no_login_and_refuses_writes(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True

    assert client.get("/healthz").status_code == 200
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
