"""Fixtures of the enforcement tests: merchants, violations recorded through the cases services,
the enforcement consumer drained by hand (as the Celery task does), reviewers with permissions."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import TestCase

from cases import services as case_services
from enforcement import consumers
from enforcement.models import Penalty, PenaltyKind
from eventstore.actors import Actor
from eventstore.consumers import drain
from tests.factories import MerchantFactory

from .receiver import receiver  # noqa: F401 (the fixture, for every enforcement test)

WINDOW = dict(window_start=date(2026, 5, 1), window_end=date(2026, 5, 30), as_of=date(2026, 6, 6))


# The tests' webhook receivers listen on loopback, which production refuses (public addresses only).
LOOPBACK = ["127.0.0.0/8", "::1/128"]


@pytest.fixture
def enforcement_cache(tmp_path):
    """The cache the enforcement tests run with: a private in-memory one. A module about the real cache
    (Redis at REDIS_URL) overrides this fixture to return None: the settings' own cache."""
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"enf-{tmp_path.name}"}}


@pytest.fixture(autouse=True)
def enforcement_settings(settings, tmp_path, enforcement_cache):
    settings.RISKCASE_WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RISKCASE_APPEAL_WINDOW_DAYS = 7
    settings.RISKCASE_APPEAL_SLA_DAYS = 3
    if enforcement_cache is not None:
        settings.CACHES = enforcement_cache
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return settings


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Tasks queued on commit are run by the tests themselves, not sent to a broker."""
    from enforcement import tasks
    monkeypatch.setattr(tasks.deliver_webhooks, "delay", lambda *a, **k: None)
    monkeypatch.setattr(tasks.deliver_webhooks, "apply_async", lambda *a, **k: None)


def make_user(username, *codenames, group=None):
    user = get_user_model().objects.create_user(username=username, password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="enforcement", codename__in=codenames))
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def reviewer(db):
    return make_user("rita", "approve_penalty", "lift_penalty", group="reviewer")


@pytest.fixture
def senior(db):
    return make_user("sam", "approve_penalty", "lift_penalty", group="senior_reviewer")


@pytest.fixture
def senior2(db):
    return make_user("sue", "approve_penalty", "lift_penalty", group="senior_reviewer")


@pytest.fixture
def merchant(db):
    return MerchantFactory(merchant_id="m1", name="Good Noodles")


@pytest.fixture
def record(merchant):
    """Record a violation through the cases service, then drain the enforcement consumer."""

    counter = iter(range(1000))

    def _record(risk_point="complaint_rate", product_id="", value=Decimal("0.06"), merchant_id=None, drain=True):
        shift = timedelta(days=40 * next(counter))  # windows that do not overlap: each is a new violation
        violation = case_services.violation_record(
            merchant_id=merchant_id or merchant.merchant_id, risk_point=risk_point, product_id=product_id,
            value=value, threshold=Decimal("0.05"), explanation={}, window_start=WINDOW["window_start"] + shift,
            window_end=WINDOW["window_end"] + shift, as_of=WINDOW["as_of"] + shift)
        if drain:
            drain_consumer()
        return violation

    return _record


@pytest.fixture
def proposed_removal(record):
    """A store removal proposal after five violations: awaiting two different senior reviewers."""
    for _ in range(5):
        record()
    return Penalty.objects.get(kind=PenaltyKind.STORE_REMOVAL)


def drain_consumer():
    """Run the consumer as a worker would; on-commit callbacks (cache refresh) run as after a commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        drain([consumers.VIOLATIONS])


@pytest.fixture
def decide_appeal(reviewer):
    def _decide(violation, accept=True):
        case_services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant(violation.merchant_id),
                                    statement="not us")
        case_services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(reviewer), accept=accept,
                                    reasons="checked")
        drain_consumer()
    return _decide
