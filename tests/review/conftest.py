"""Fixtures of the reviewers' API tests: reviewers in their groups (as the cases tests), clients with a
reviewer's knox token or a service token."""
import pytest
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient

from metrics.authentication import forget_verified_tokens
from tests.cases.conftest import (  # noqa: F401 - fixtures
    as_merchant,
    auditor,
    colleague,
    make_user,
    merchant,
    outsider,
    raise_warning,
    record_violation,
    reviewer,
    senior,
)
from tests.factories import ServiceTokenFactory


@pytest.fixture(autouse=True)
def _clean_caches():
    cache.clear()
    forget_verified_tokens()
    yield
    cache.clear()
    forget_verified_tokens()


def knox_client(user):
    _, raw = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def service_client(*scopes, name="opinion-monitor"):
    token = ServiceTokenFactory(name=name, scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.raw}")
    client.token = token
    return client
