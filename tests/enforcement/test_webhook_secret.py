"""The webhook signing secret is shown once to whoever creates or rotates it and never to a reviewer:
with it a reviewer could forge restriction webhooks."""
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from enforcement import services, tasks
from enforcement.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_a_reviewer_never_sees_the_secret(client, reviewer, senior):
    endpoint, secret = services.webhook_endpoint_create(name="ads", url="http://127.0.0.1:9/hook")
    for user in (reviewer, senior):
        client.force_login(user)
        for url in (reverse("admin:enforcement_webhookendpoint_change", args=[endpoint.pk]),
                    reverse("admin:enforcement_webhookendpoint_changelist")):
            page = client.get(url)
            assert page.status_code == 200
            assert secret not in page.content.decode()


def test_the_creator_sees_the_secret_once(client, admin_user):
    client.force_login(admin_user)
    page = client.post(reverse("admin:enforcement_webhookendpoint_add"),
                       {"name": "ads", "url": "http://127.0.0.1:9/hook", "active": "on"}, follow=True)
    endpoint = WebhookEndpoint.objects.get()
    assert len(endpoint.secret) >= 40
    assert any(endpoint.secret in m for m in messages_of(page))
    again = client.get(reverse("admin:enforcement_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret not in again.content.decode()


def test_a_reviewer_cannot_rotate(client, reviewer):
    endpoint, secret = services.webhook_endpoint_create(name="ads", url="http://127.0.0.1:9/hook")
    client.force_login(reviewer)
    client.post(reverse("admin:enforcement_webhookendpoint_changelist"),
                {"action": "rotate_secret", "_selected_action": [endpoint.pk]})
    assert WebhookEndpoint.objects.get().secret == secret


def test_after_a_rotation_both_secrets_sign_for_the_overlap_then_only_the_new(client, admin_user, receiver, record):
    endpoint, old = services.webhook_endpoint_create(name="ads", url=receiver["url"])
    receiver["secret"] = old
    client.force_login(admin_user)
    page = client.post(reverse("admin:enforcement_webhookendpoint_changelist"),
                       {"action": "rotate_secret", "_selected_action": [endpoint.pk]}, follow=True)
    new = WebhookEndpoint.objects.get().secret
    assert new != old and any(new in m for m in messages_of(page))
    record()
    tasks.deliver_webhooks()  # within the overlap: a receiver still on the old secret accepts it
    assert len(receiver["received"]) == 1 and receiver["rejected"] == []
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        record()
        tasks.deliver_webhooks()  # after it: only the new secret signs
    assert len(receiver["rejected"]) == 1
    receiver["secret"] = new
    with time_machine.travel(timezone.now() + timedelta(hours=26), tick=False):
        tasks.deliver_webhooks()
    assert len(receiver["received"]) == 2
