"""factory-boy factories of the merchants' API: staff users linked to a merchant, and daily metrics."""
from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from accounts.models import MerchantMembership
from metrics.models import DailyMetric
from tests.factories import MerchantFactory

PASSWORD = "correct horse battery staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(DjangoModelFactory):
    """A merchant's staff user: pass `merchant=` or get a new merchant."""

    class Meta:
        model = MerchantMembership

    user = factory.SubFactory(UserFactory)
    merchant = factory.SubFactory(MerchantFactory)


class DailyMetricFactory(DjangoModelFactory):
    class Meta:
        model = DailyMetric

    merchant = factory.SubFactory(MerchantFactory)
    day = date(2026, 6, 1)
    paid_orders = 100
    verified_orders = 80
    complaints = 3
    negative_reviews = 4
    merchant_refunds = 2
    complaint_rate = factory.LazyAttribute(lambda o: Decimal(o.complaints) / o.paid_orders if o.paid_orders else None)
    negative_review_rate = factory.LazyAttribute(
        lambda o: Decimal(o.negative_reviews) / o.verified_orders if o.verified_orders else None)
    merchant_refund_rate = factory.LazyAttribute(
        lambda o: Decimal(o.merchant_refunds) / o.paid_orders if o.paid_orders else None)
    stable = True
    as_of = date(2026, 6, 30)


def raise_warning(merchant, *, risk_point="complaint_rate", product_id="", value="0.045000", threshold="0.040000",
                  numerator=9, denominator=200, window_start=date(2026, 5, 31), window_end=date(2026, 6, 29),
                  detail=None):
    """A warning raised the way the rules raise it (through the cases service), with its explanation."""
    from cases import services

    explanation = {
        "v": 1, "rule": risk_point, "kind": "warning", "value": value, "threshold": threshold,
        "numerator": numerator, "denominator": denominator, "window_start": window_start.isoformat(),
        "window_end": window_end.isoformat(), "threshold_version_id": None, "category": merchant.category,
        **(detail or {}),
    }
    return services.warning_raise(
        merchant_id=merchant.merchant_id, risk_point=risk_point, product_id=product_id,
        window_start=window_start, window_end=window_end, value=Decimal(value) if value else None,
        threshold=Decimal(threshold) if threshold else None, explanation=explanation, as_of=window_end,
    )


def record_violation(merchant, *, risk_point="complaint_rate", product_id="", value="0.060000",
                     threshold="0.050000", window_start=date(2026, 5, 24), window_end=date(2026, 6, 22),
                     notified=False):
    """A violation recorded the way the rules record it (through the cases service), with
    `notified=True` its notice delivered now."""
    from cases import services

    explanation = {
        "v": 1, "rule": risk_point, "kind": "violation", "value": value, "threshold": threshold,
        "numerator": 12, "denominator": 200, "window_start": window_start.isoformat(),
        "window_end": window_end.isoformat(), "threshold_version_id": 7, "category": merchant.category,
        "threshold_version": {"id": 7, "limit": threshold, "window_days": 30},
    }
    violation = services.violation_record(
        merchant_id=merchant.merchant_id, risk_point=risk_point, product_id=product_id,
        window_start=window_start, window_end=window_end, value=Decimal(value), threshold=Decimal(threshold),
        explanation=explanation, as_of=window_end,
    )
    if notified:
        violation = deliver_notice(violation)
    return violation


def deliver_notice(violation):
    """The violation's notice reaches the merchant now (its appeal window starts)."""
    from django.utils import timezone

    from cases import services

    return services.violation_notice_delivered(violation_id=violation.pk, at=timezone.now(), channel="email")


def appeal_reviewer(username="rita"):
    """A reviewer allowed to decide appeals (the migration's "reviewer" group)."""
    from django.contrib.auth.models import Group, Permission

    user = UserFactory(username=username, is_staff=True)
    group, _ = Group.objects.get_or_create(name="api-test-reviewers")
    group.permissions.add(Permission.objects.get(content_type__app_label="cases", codename="decide_appeal"))
    user.groups.add(group)
    return user
