"""The facts behind a figure (发现异常可及时处理): the orders, complaint tickets, negative reviews and
merchant-responsibility refunds a day's rate or a case counted, for one merchant.

Each selector returns a values() queryset of plain rows in one shape (kind, id, order_id, product_id,
at, order_paid_at, reason, rating, responsibility, amount_cents), ordered for paging; a page costs one
query whatever its size, the product and payment time coming from correlated subqueries. No consumer
personal data leaves here: never a review's or a complaint's text, never a consumer id.
"""
from datetime import timedelta

from django.db.models import CharField, F, IntegerField, OuterRef, Q, Subquery, Value

from cases.models import RiskPoint
from metrics.cohorts import WINDOW_DAYS
from metrics.models import Complaint, ComplaintReason, Order, OrderVerification, Refund, RefundResponsibility, Review

RATE_PARTS = ("numerator", "denominator")
# Annotated under their own names (a model's fields of the same name would clash), renamed by present().
FIELDS = ("kind", "fact_id", "order_id", "product_id", "at", "order_paid_at", "reason", "rating",
          "responsibility", "amount_cents")
ORDERING = ("f_at", "f_fact_id")


def _of_order(model):
    """The fact's own order (or verification): the same merchant and order id (the key of a sharded join)."""
    return model.objects.filter(merchant_id=OuterRef("merchant_id"), order_id=OuterRef("order_id"))


def _order(field):
    return Subquery(_of_order(Order).values(field)[:1])


def _shape(queryset, *, kind, fact_id, at, reason=None, rating=None, responsibility=None, amount=None,
           product=None, paid_at=None):
    none_text, none_int = Value(None, output_field=CharField()), Value(None, output_field=IntegerField())
    return queryset.annotate(
        f_kind=Value(kind, output_field=CharField()),
        f_fact_id=F(fact_id),
        f_order_id=F("order_id"),
        f_at=F(at),
        f_product_id=product if product is not None else _order("product_id"),
        f_order_paid_at=paid_at if paid_at is not None else _order("paid_at"),
        f_reason=F(reason) if reason else none_text,
        f_rating=F(rating) if rating else none_int,
        f_responsibility=F(responsibility) if responsibility else none_text,
        f_amount_cents=F(amount) if amount else none_int,
    ).values(*(f"f_{name}" for name in FIELDS)).order_by(*ORDERING)


def _orders_paid(merchant_id, start, end, product=None):
    orders = Order.objects.filter(merchant_id=merchant_id, paid_day__range=(start, end))
    return orders.filter(product_id=product) if product else orders


def _window_end(day, as_of):
    """min(D + 6, A), without stepping past the calendar's last day (9999-12-31 is a valid day to ask for)."""
    last = timedelta(days=WINDOW_DAYS - 1)
    return as_of if as_of - day < last else day + last


def rate_facts(merchant_id, *, rate, start, end, as_of, part="numerator", product=None):
    """The facts a rate counted for the days [start, end] as of A: its numerator (the complaints, negative
    reviews or merchant refunds of those days' orders within W(D)) or its denominator (the orders); of one
    product's orders when `product` is given (its own rate, contract section 7)."""
    if rate == RiskPoint.NEGATIVE_REVIEW_RATE:
        orders = Order.objects.filter(merchant_id=merchant_id, paid_day__lte=as_of)
        if product:
            orders = orders.filter(product_id=product)
        verified = OrderVerification.objects.filter(merchant_id=merchant_id, verified_day__range=(start, end),
                                                    order_id__in=orders.values("order_id"))
        if part == "denominator":
            return _shape(verified, kind="order", fact_id="order_id", at="verified_at")
        # W(D) for each verification day: posted on or after it, within 7 days, not after A.
        verified_day = Subquery(_of_order(OrderVerification).values("verified_day")[:1])
        reviews = (Review.objects.filter(merchant_id=merchant_id, order_id__in=verified.values("order_id"),
                                         rating__lte=Review.NEGATIVE_MAX_RATING)
                   .alias(verified_day=verified_day)
                   .filter(_in_cohort_windows("verified_day", "posted_day", start, end, as_of)))
        return _shape(reviews, kind="review", fact_id="review_id", at="posted_at", rating="rating")
    orders = _orders_paid(merchant_id, start, end, product)
    if part == "denominator":
        return _shape(orders, kind="order", fact_id="order_id", at="paid_at", amount="amount_cents",
                      product=F("product_id"), paid_at=F("paid_at"))
    paid_day = Subquery(_of_order(Order).values("paid_day")[:1])
    if rate == RiskPoint.COMPLAINT_RATE:
        facts = (Complaint.objects.filter(merchant_id=merchant_id, order_id__in=orders.values("order_id"))
                 .alias(paid_day=paid_day).filter(_in_cohort_windows("paid_day", "filed_day", start, end, as_of)))
        return _shape(facts, kind="complaint", fact_id="complaint_id", at="filed_at", reason="reason")
    if rate == RiskPoint.MERCHANT_REFUND_RATE:
        facts = (Refund.objects.filter(merchant_id=merchant_id, order_id__in=orders.values("order_id"),
                                       responsibility=RefundResponsibility.MERCHANT)
                 .alias(paid_day=paid_day).filter(_in_cohort_windows("paid_day", "refunded_day", start, end, as_of)))
        return _shape(facts, kind="refund", fact_id="refund_id", at="refunded_at", responsibility="responsibility",
                      amount="amount_cents")
    raise ValueError(f"not a rate: {rate!r}")


def _in_cohort_windows(cohort_day, fact_day, start, end, as_of):
    """The fact counts toward its cohort day D in [start, end] when its own day is in W(D) = [D, D+6] and
    not after A: one OR'ed term per day (a window is at most a few dozen days), portable SQL."""
    condition = Q(pk__in=[])
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        condition |= Q(**{cohort_day: day, f"{fact_day}__range": (day, _window_end(day, as_of))})
    return condition


def case_facts(case):
    """The facts behind a warning or violation: for a rate, the numerator facts of its window as of the
    case's day; for clustered complaints, the complaints on its product in the window; for orders not
    served, the complaints with that reason in the window. Other risk points have none (an empty list)."""
    merchant_id, start, end = case.merchant_id, case.window_start, case.window_end
    if case.risk_point in (RiskPoint.COMPLAINT_RATE, RiskPoint.NEGATIVE_REVIEW_RATE, RiskPoint.MERCHANT_REFUND_RATE):
        return rate_facts(merchant_id, rate=case.risk_point, start=start, end=end, as_of=case.as_of,
                          product=case.product_id or None)
    if case.risk_point in (RiskPoint.CLUSTERED_COMPLAINTS, RiskPoint.SERVICE_NOT_PROVIDED):
        orders = Order.objects.filter(merchant_id=merchant_id)
        if case.product_id:
            orders = orders.filter(product_id=case.product_id)
        complaints = Complaint.objects.filter(merchant_id=merchant_id, order_id__in=orders.values("order_id"),
                                              filed_day__range=(start, end))
        if case.risk_point == RiskPoint.SERVICE_NOT_PROVIDED:
            complaints = complaints.filter(reason=ComplaintReason.SERVICE_NOT_PROVIDED)
        return _shape(complaints, kind="complaint", fact_id="complaint_id", at="filed_at", reason="reason")
    return _shape(Complaint.objects.none(), kind="complaint", fact_id="complaint_id", at="filed_at")


def present(rows):
    """Rows with their labels, for the pages and the API (reason and responsibility in words)."""
    reasons, responsibilities = dict(ComplaintReason.choices), dict(RefundResponsibility.choices)
    for shaped in rows:
        row = {name: shaped[f"f_{name}"] for name in FIELDS}
        cents = row["amount_cents"]
        yield {
            **row,
            "amount": None if cents is None else f"{cents / 100:.2f}",
            "reason_label": str(reasons.get(row["reason"], "")) if row["reason"] else "",
            "responsibility_label": (str(responsibilities.get(row["responsibility"], ""))
                                     if row["responsibility"] else ""),
        }
