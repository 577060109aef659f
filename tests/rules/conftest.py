"""Fixtures for the rule tests: merchants, stored daily metrics and complaint facts, made directly."""
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from metrics.cohorts import STABLE_AFTER_DAYS, exact_rate
from metrics.models import DailyMetric
from tests.factories import ComplaintFactory, MerchantFactory, OrderFactory

AS_OF = date(2026, 6, 30)


def at_noon(day):
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture
def as_of():
    return AS_OF


@pytest.fixture
def make_merchant(db):
    def make(merchant_id="m1", *, category="food", entity_id=""):
        return MerchantFactory(merchant_id=merchant_id, category=category, entity_id=entity_id)
    return make


@pytest.fixture
def make_metric(db):
    """Store one merchant-day of daily metrics as a recompute as of `as_of` would have."""
    def make(merchant_id, day, *, as_of=AS_OF, paid=0, verified=0, complaints=0, negative=0, refunds=0):
        return DailyMetric.objects.create(
            merchant_id=merchant_id, day=day, paid_orders=paid, verified_orders=verified,
            complaints=complaints, negative_reviews=negative, merchant_refunds=refunds,
            complaint_rate=exact_rate(complaints, paid), negative_review_rate=exact_rate(negative, verified),
            merchant_refund_rate=exact_rate(refunds, paid),
            stable=(as_of - day).days >= STABLE_AFTER_DAYS, as_of=as_of,
        )
    return make


@pytest.fixture
def make_complaint(db):
    """A complaint filed on `filed` about a new order of `merchant_id`'s `product_id`."""
    def make(merchant_id, *, filed, product_id="p1", reason="quality", paid=None):
        order = OrderFactory(merchant=MerchantFactory(merchant_id=merchant_id), product_id=product_id,
                             paid_at=at_noon(paid or filed))
        return ComplaintFactory(order=order, reason=reason, filed_at=at_noon(filed))
    return make


@pytest.fixture
def reviewer_actor(db):
    """A reviewer allowed to do everything (a superuser), as the actor the services take."""
    from eventstore.actors import Actor
    from tests.factories import StaffUserFactory

    return Actor.reviewer(StaffUserFactory())


@pytest.fixture
def cases_now(db):
    """cases_now() -> every warning and violation as (kind, merchant, product, risk point, start, end, state)."""
    from cases.models import Violation, Warning

    def snapshot():
        rows = []
        for kind, model in (("violation", Violation), ("warning", Warning)):
            rows += [
                (kind, *row)
                for row in model.objects.values_list(
                    "merchant_id", "product_id", "risk_point", "window_start", "window_end", "state"
                )
            ]
        return sorted(rows)
    return snapshot


@pytest.fixture
def complaints_on(make_merchant, make_complaint):
    """complaints_on(day, n, merchant_id="m1", product_id="p1"): n complaints filed on `day`."""
    def make(day, n, merchant_id="m1", product_id="p1", reason="quality"):
        for _ in range(n):
            make_complaint(merchant_id, product_id=product_id, filed=day, reason=reason)
    return make


@pytest.fixture
def make_product_metric(db):
    """Store one product-day of the product metrics (contract section 7) as a recompute as of `as_of` would have."""
    from metrics.models import ProductDailyMetric

    def make(merchant_id, product_id, day, *, as_of=AS_OF, paid=0, verified=0, complaints=0, negative=0, refunds=0):
        return ProductDailyMetric.objects.create(
            merchant_id=merchant_id, product_id=product_id, day=day, paid_orders=paid, verified_orders=verified,
            complaints=complaints, negative_reviews=negative, merchant_refunds=refunds,
            complaint_rate=exact_rate(complaints, paid), negative_review_rate=exact_rate(negative, verified),
            merchant_refund_rate=exact_rate(refunds, paid),
            stable=(as_of - day).days >= STABLE_AFTER_DAYS, as_of=as_of,
        )
    return make
