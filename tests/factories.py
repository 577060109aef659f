"""factory-boy factories: one per model, and one per ingest line type (plain dicts for `ingest`); and
helpers that raise cases the way the rules raise them (through the cases services).

Model factories derive each stored calendar day from its instant in the platform zone, the way
ingestion does; tests about day boundaries themselves go through the ingest line factories.
"""
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from accounts.models import MerchantMembership
from metrics import models

PASSWORD = "correct horse battery staple"


def platform_day(instant):
    return instant.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def shanghai(day, time="12:00:00"):
    """An aware instant from 'YYYY-MM-DD' and 'HH:MM:SS' in Asia/Shanghai (+08:00)."""
    return datetime.fromisoformat(f"{day}T{time}+08:00")


def ts(day, time="12:00:00", offset="+08:00"):
    """The ISO 8601 text of an instant, as a trading system writes it in a JSON line."""
    return f"{day}T{time}{offset}"


# ---------------------------------------------------------------- model factories


class MerchantFactory(DjangoModelFactory):
    class Meta:
        model = models.Merchant
        django_get_or_create = ("merchant_id",)

    merchant_id = factory.Sequence(lambda n: f"m-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Merchant {o.merchant_id}")
    category = "food"
    entity_id = ""
    occurred_at = factory.LazyFunction(lambda: shanghai("2026-05-01"))


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = models.Order

    order_id = factory.Sequence(lambda n: f"o-{n:06d}")
    merchant = factory.SubFactory(MerchantFactory)
    product_id = factory.LazyAttribute(lambda o: f"{o.merchant.merchant_id}-p1")
    amount_cents = 10_000
    paid_at = factory.LazyFunction(lambda: shanghai("2026-06-10"))
    paid_day = factory.LazyAttribute(lambda o: platform_day(o.paid_at))


class _OnOrder(DjangoModelFactory):
    """A fact about an order: pass `order=` (an Order) or get a new one."""

    class Meta:
        abstract = True

    class Params:
        order = factory.SubFactory(OrderFactory)

    order_id = factory.LazyAttribute(lambda o: o.order.order_id)
    merchant_id = factory.LazyAttribute(lambda o: o.order.merchant_id)


class OrderVerificationFactory(_OnOrder):
    class Meta:
        model = models.OrderVerification

    verified_at = factory.LazyAttribute(lambda o: o.order.paid_at + timedelta(hours=1))
    verified_day = factory.LazyAttribute(lambda o: platform_day(o.verified_at))


class ReviewFactory(_OnOrder):
    class Meta:
        model = models.Review

    review_id = factory.Sequence(lambda n: f"r-{n:06d}")
    rating = 5
    posted_at = factory.LazyAttribute(lambda o: o.order.paid_at + timedelta(hours=2))
    posted_day = factory.LazyAttribute(lambda o: platform_day(o.posted_at))
    text = ""


class ComplaintFactory(_OnOrder):
    class Meta:
        model = models.Complaint

    complaint_id = factory.Sequence(lambda n: f"c-{n:06d}")
    reason = models.ComplaintReason.QUALITY
    filed_at = factory.LazyAttribute(lambda o: o.order.paid_at + timedelta(hours=2))
    filed_day = factory.LazyAttribute(lambda o: platform_day(o.filed_at))
    text = ""


class RefundFactory(_OnOrder):
    class Meta:
        model = models.Refund

    refund_id = factory.Sequence(lambda n: f"f-{n:06d}")
    responsibility = models.RefundResponsibility.MERCHANT
    amount_cents = factory.LazyAttribute(lambda o: o.order.amount_cents)
    refunded_at = factory.LazyAttribute(lambda o: o.order.paid_at + timedelta(hours=3))
    refunded_day = factory.LazyAttribute(lambda o: platform_day(o.refunded_at))


class ServiceTokenFactory(DjangoModelFactory):
    """A service token; the raw secret (shown once in real life) is on `.raw`."""

    class Meta:
        model = models.ServiceToken

    name = factory.Sequence(lambda n: f"trading-system-{n}")
    revoked_at = None
    scopes = factory.LazyFunction(lambda: list(models.LEGACY_SCOPES))  # what every token had before scopes
    expires_at = None

    @classmethod
    def _create(cls, model_class, *, name, revoked_at=None, scopes, expires_at=None, **kwargs):
        token, raw = model_class.issue(name, scopes=scopes, expires_at=expires_at)
        if revoked_at is not None:
            token.revoked_at = revoked_at
            token.save(update_fields=["revoked_at"])
        token.raw = raw
        return token


class StaffUserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"reviewer{n}")
    is_staff = True
    is_superuser = True
    password = factory.django.Password(PASSWORD)


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
        model = models.DailyMetric

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


# ---------------------------------------------------------------- ingest line factories


class MerchantUpsertedLine(factory.DictFactory):
    type = "merchant_upserted"
    merchant_id = "m-a"
    name = "Noodle House"
    category = "food"
    occurred_at = ts("2026-05-01")


class OrderPaidLine(factory.DictFactory):
    type = "order_paid"
    order_id = factory.Sequence(lambda n: f"o-{n:06d}")
    merchant_id = "m-a"
    product_id = "p-1"
    amount_cents = 10_000
    paid_at = ts("2026-06-10")


class OrderVerifiedLine(factory.DictFactory):
    type = "order_verified"
    order_id = "o-000000"
    verified_at = ts("2026-06-10", "13:00:00")


class ReviewPostedLine(factory.DictFactory):
    type = "review_posted"
    review_id = factory.Sequence(lambda n: f"r-{n:06d}")
    order_id = "o-000000"
    rating = 1
    posted_at = ts("2026-06-10", "14:00:00")


class ComplaintFiledLine(factory.DictFactory):
    type = "complaint_filed"
    complaint_id = factory.Sequence(lambda n: f"c-{n:06d}")
    order_id = "o-000000"
    reason = "quality"
    filed_at = ts("2026-06-10", "14:00:00")


class RefundCompletedLine(factory.DictFactory):
    type = "refund_completed"
    refund_id = factory.Sequence(lambda n: f"f-{n:06d}")
    order_id = "o-000000"
    responsibility = "merchant"
    amount_cents = 10_000
    refunded_at = ts("2026-06-10", "15:00:00")


# ---------------------------------------------------------------- cases, raised the way the rules raise them


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
