"""Fixtures of the cases tests: reviewers in their groups, a merchant, and cases made through the services."""
import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from cases import services
from eventstore.actors import Actor
from tests.factories import MerchantFactory

WINDOW = dict(window_start=date(2026, 5, 1), window_end=date(2026, 5, 30), as_of=date(2026, 6, 6))


def _group(name):
    """The group the migration created; rebuilt the same way if a flush (transactional test) removed it."""
    group, created = Group.objects.get_or_create(name=name)
    if created:
        codes = importlib.import_module("cases.migrations.0005_reviewer_groups").GROUPS[name]
        group.permissions.set([
            Permission.objects.get(content_type__app_label=code.split(".")[0], codename=code.split(".")[1])
            for code in codes
        ])
    return group


def make_user(username, *groups, is_staff=True):
    user = get_user_model().objects.create_user(username=username, password="pw", is_staff=is_staff)
    for name in groups:
        user.groups.add(_group(name))
    return user


@pytest.fixture
def reviewer(db):
    return make_user("rita", "reviewer")


@pytest.fixture
def colleague(db):
    return make_user("colin", "reviewer")


@pytest.fixture
def senior(db):
    return make_user("sam", "senior_reviewer")


@pytest.fixture
def auditor(db):
    return make_user("audrey", "auditor")


@pytest.fixture
def outsider(db):
    """Staff, but in no group: may log in to admin and do nothing with cases."""
    return make_user("oscar")


@pytest.fixture
def merchant(db):
    return MerchantFactory(merchant_id="m-1", category="food")


def judgement(merchant_id="m-1", **overrides):
    fields = dict(
        merchant_id=merchant_id, risk_point="complaint_rate", product_id="", value=Decimal("0.06"),
        threshold=Decimal("0.05"), threshold_version_id=None,
        explanation={"v": 1, "numerator": 6, "denominator": 100}, **WINDOW,
    )
    fields.update(overrides)
    return fields


@pytest.fixture
def raise_warning(merchant):
    def _raise(**overrides):
        fields = judgement(**{"value": Decimal("0.045"), "threshold": Decimal("0.04"), **overrides})
        return services.warning_raise(**fields)

    return _raise


@pytest.fixture
def record_violation(merchant):
    """Record a violation; with `notified=True` its notice reaches the merchant at once."""
    def _record(notified=False, **overrides):
        violation = services.violation_record(**judgement(**overrides))
        if notified:
            violation = services.violation_notice_delivered(violation_id=violation.pk, at=timezone.now(),
                                                            channel="email")
        return violation

    return _record


@pytest.fixture
def as_merchant():
    return Actor.merchant("m-1")


def reviewer_actor(user):
    return Actor.reviewer(user)
