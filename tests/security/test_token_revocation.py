"""A revoked service token stops working at once in every process, not only in the one that revoked it
(issue 16, item 12): the revocation is published on Redis and each process's listener forgets what it had
verified. And a merchant's API tokens end when the password changes."""
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from knox.models import AuthToken

from metrics import authentication
from metrics.models import ServiceToken
from tests.celery_worker import REPO, _database_url, wait_for
from tests.factories import MembershipFactory, MerchantFactory, ServiceTokenFactory

URL = "/api/v1/restrictions/m7/"


@pytest.fixture
def remember_for_an_hour(settings):
    """So only the published revocation, never the expiry of the process's memory, can explain a 401."""
    settings.RISKCASE_SERVICE_TOKEN_CACHE_SECONDS = 3600
    authentication.forget_verified_tokens()
    yield
    authentication.forget_verified_tokens()


def revoke_in_another_process(script):
    env = {"DATABASE_URL": _database_url(), "REDIS_URL": authentication.settings.REDIS_URL,
           "DJANGO_SETTINGS_MODULE": "riskcase.settings", "PATH": "/usr/bin:/bin"}
    code = ("import django; django.setup()\n"
            "from django.db import transaction\n"
            "from metrics.models import ServiceToken\n"
            "from metrics.authentication import announce_revocation\n" + script)
    subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True, timeout=60)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_revocation_in_another_process_applies_here_at_once(client, remember_for_an_hour):
    token = ServiceTokenFactory()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"}
    assert client.get(URL, **auth).status_code == 200  # verified, remembered for an hour, listener started

    revoke_in_another_process(
        "from django.utils import timezone\n"
        f"with transaction.atomic():\n"
        f"    ServiceToken.objects.filter(pk={token.pk}).update(revoked_at=timezone.now())\n"
        f"    announce_revocation()\n")

    wait_for("the revocation to reach this process", lambda: client.get(URL, **auth).status_code == 401)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_token_deleted_in_another_process_stops_working_here(client, remember_for_an_hour):
    token = ServiceTokenFactory()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"}
    assert client.get(URL, **auth).status_code == 200

    revoke_in_another_process(f"ServiceToken.objects.filter(pk={token.pk}).delete()\n")

    wait_for("the deletion to reach this process", lambda: client.get(URL, **auth).status_code == 401)
    assert not ServiceToken.objects.filter(pk=token.pk).exists()


@pytest.mark.django_db
def test_deleting_a_token_in_admin_refuses_it_on_the_next_request(client, admin_client, remember_for_an_hour):
    token = ServiceTokenFactory()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"}
    assert client.get(URL, **auth).status_code == 200
    response = admin_client.post(f"/admin/metrics/servicetoken/{token.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert client.get(URL, **auth).status_code == 401


@pytest.mark.django_db
def test_a_password_change_ends_every_api_token_of_the_user(client):
    user = MembershipFactory(merchant=MerchantFactory(merchant_id="m-alpha")).user
    other = MembershipFactory(merchant=MerchantFactory(merchant_id="m-beta")).user
    tokens = [AuthToken.objects.create(user=user)[1] for _ in range(2)]
    _, others = AuthToken.objects.create(user=other)
    assert client.get("/api/v1/diagnosis/", HTTP_AUTHORIZATION=f"Token {tokens[0]}").status_code == 200

    user = get_user_model().objects.get(pk=user.pk)
    user.set_password("a-new-Password-for-2026")
    user.save()

    for raw in tokens:
        assert client.get("/api/v1/diagnosis/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 401
    assert client.get("/api/v1/diagnosis/", HTTP_AUTHORIZATION=f"Token {others}").status_code == 200


@pytest.mark.django_db
def test_a_login_that_only_updates_last_login_keeps_the_tokens(client):
    user = MembershipFactory(merchant=MerchantFactory(merchant_id="m-alpha")).user
    _, raw = AuthToken.objects.create(user=user)
    user.save(update_fields=["last_login"])
    user.first_name = "Lin"
    user.save()
    assert client.get("/api/v1/diagnosis/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_revocation_listener_stays_up_so_a_verified_token_costs_no_query(client, remember_for_an_hour,
                                                                          django_assert_num_queries):
    """The listener once died right after it started (its Redis client, garbage collected, closed the
    subscriber's connection), so every request started a new one and forgot every verified token."""
    import time

    token = ServiceTokenFactory()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"}
    assert client.get(URL, **auth).status_code == 200
    thread = authentication._listener["thread"]
    time.sleep(1.5)  # longer than the thread's poll interval: a dead connection has been noticed by now
    assert thread is not None and thread.is_alive()
    with django_assert_num_queries(0):  # the token from memory, the document from Redis
        assert client.get(URL, **auth).status_code == 200
    assert authentication._listener["thread"] is thread
