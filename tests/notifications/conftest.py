"""Fixtures of the notifications tests: a merchant with two staff users, a real SMTP server on loopback
(aiosmtpd), an HTTP gateway on loopback, the merchant webhook receiver of the enforcement tests."""
import json
import socket
import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller

from cases import services as case_services
from eventstore.consumers import drain
from notifications import consumers, delivery
from tests.enforcement.receiver import receiver  # noqa: F401 (the signed-webhook receiver fixture)
from tests.factories import MembershipFactory, MerchantFactory, UserFactory
from tests.loopback import http_server

WINDOW = {"window_start": date(2026, 5, 1), "window_end": date(2026, 5, 30), "as_of": date(2026, 6, 6)}


@pytest.fixture(autouse=True)
def notification_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RISKCASE_APPEAL_WINDOW_DAYS = 7
    settings.RISKCASE_NOTIFY_BACKENDS = {}
    settings.RISKCASE_SITE_URL = "https://merchant.example"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"notify-{tmp_path.name}"}}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return settings


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Tasks queued on commit are run by the tests themselves."""
    from enforcement import tasks as enforcement_tasks
    from notifications import tasks

    for task in (tasks.send_notifications, enforcement_tasks.deliver_webhooks):
        monkeypatch.setattr(task, "delay", lambda *a, **k: None)
        monkeypatch.setattr(task, "apply_async", lambda *a, **k: None)


@pytest.fixture
def merchant(db):
    return MerchantFactory(merchant_id="m-alpha", name="Alpha Noodles")


@pytest.fixture
def staff(merchant):
    return MembershipFactory(merchant=merchant, user=UserFactory(username="lin", email="lin@alpha.example")).user


@pytest.fixture
def colleague(merchant):
    return MembershipFactory(merchant=merchant, user=UserFactory(username="wang", email="wang@alpha.example")).user


@pytest.fixture
def other_staff(db):
    other = MerchantFactory(merchant_id="m-beta", name="Beta Spa")
    return MembershipFactory(merchant=other, user=UserFactory(username="zhao", email="zhao@beta.example")).user


class Inbox:
    """What the loopback SMTP server received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on loopback; Django's SMTP backend sends to it."""
    handler = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd's start-up check cannot use port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    yield handler
    controller.stop()


@pytest.fixture
def gateway():
    """An SMS/push HTTP gateway on loopback: records each JSON request with its headers; answers 503 to the
    first `fail` requests."""
    state = {"requests": [], "fail": 0, "delay": 0, "lock": threading.Lock()}

    def respond(path, headers, body):
        time.sleep(state["delay"])
        with state["lock"]:
            if state["fail"] > 0:
                state["fail"] -= 1
                return 503
            state["requests"].append({"path": path, "body": json.loads(body), "headers": dict(headers)})
            return 202

    with http_server(respond) as base:
        state["url"] = base
        yield state


@pytest.fixture
def record(merchant):
    counter = iter(range(1000))

    def _record(**overrides):
        from datetime import timedelta

        shift = timedelta(days=40 * next(counter))
        return case_services.violation_record(**{
            "merchant_id": merchant.merchant_id, "risk_point": "complaint_rate", "value": Decimal("0.06"),
            "threshold": Decimal("0.05"), "explanation": {}, "window_start": WINDOW["window_start"] + shift,
            "window_end": WINDOW["window_end"] + shift, "as_of": WINDOW["as_of"] + shift, **overrides})

    return _record


def run_consumers(*, enforcement=False):
    """The notifications consumer up to the head of the log; with `enforcement`, every consumer (enforcement
    first, so the penalties it imposes are notified too)."""
    return drain() if enforcement else drain([consumers.NAME])


def send_all():
    return delivery.deliver_pending()


__all__ = ["consumers", "run_consumers", "send_all"]
