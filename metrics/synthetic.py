"""Synthetic trade facts for the demo and the benchmark: realistic, deterministic for a seed.

Most merchants behave; a few are risky (rates well over the red line), some borderline (between
warn_at and the limit), one product gets a burst of complaints and one merchant fails to serve
orders. Lines are yielded one at a time, shuffled within each day, so any size streams.
"""
import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import orjson

CATEGORIES = ("food", "beauty", "leisure", "hotel_travel", "life_services", "retail")
REASONS = ("quality", "false_advertising", "hygiene", "attitude", "price", "other")
OTHER_RESPONSIBILITIES = ("consumer", "platform", "logistics")


@dataclass(frozen=True)
class Profile:
    """Per-order probabilities; the limits of the shipped thresholds are 0.03 to 0.10."""

    name: str
    complaint: float
    negative: float
    merchant_refund: float


PROFILES = {
    "healthy": Profile("healthy", complaint=0.008, negative=0.02, merchant_refund=0.008),
    "borderline": Profile("borderline", complaint=0.035, negative=0.06, merchant_refund=0.035),
    "risky": Profile("risky", complaint=0.09, negative=0.16, merchant_refund=0.08),
}


@dataclass(frozen=True)
class Plan:
    merchants: int = 36
    days: int = 30
    orders_per_day: int = 20
    as_of: datetime.date = None
    seed: int = 7
    zone: str = "Asia/Shanghai"


def _profile_for(index, count):
    # Deterministic mix: ~1 in 9 risky, ~2 in 9 borderline, the rest healthy.
    slot = index % 9
    if slot == 4:
        return PROFILES["risky"]
    if slot in (2, 7):
        return PROFILES["borderline"]
    return PROFILES["healthy"]


def _stamp(rng, instant, zone):
    """Half the timestamps in the platform zone, half in UTC ('Z'), like real upstream systems."""
    if rng.random() < 0.5:
        return instant.astimezone(zone).isoformat(timespec="seconds")
    return instant.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def generate(plan):
    """Yield JSON lines (bytes, newline-terminated) for the plan."""
    rng = random.Random(plan.seed)
    zone = ZoneInfo(plan.zone)
    first_day = plan.as_of - timedelta(days=plan.days - 1)
    merchants = []
    for i in range(plan.merchants):
        merchant_id = f"m{i:05d}"
        # Every tenth pair of merchants shares a legal entity (关联主体).
        entity = f"e{i // 2:05d}" if i % 10 < 2 else f"e-solo-{i:05d}"
        category = CATEGORIES[i % len(CATEGORIES)]
        merchants.append((merchant_id, _profile_for(i, plan.merchants), category))
        yield orjson.dumps({
            "type": "merchant_upserted", "merchant_id": merchant_id, "name": f"Merchant {i} 商户",
            "category": category, "entity_id": entity,
            "occurred_at": _stamp(rng, datetime.combine(first_day - timedelta(days=30), time(9), zone), zone),
        }) + b"\n"

    clustered_product = f"{merchants[min(4, len(merchants) - 1)][0]}-p0"
    unserved_merchant = merchants[min(13, len(merchants) - 1)][0]
    seq = {"order": 0, "review": 0, "complaint": 0, "refund": 0}

    def next_id(kind, prefix):
        seq[kind] += 1
        return f"{prefix}{seq[kind]:09d}"

    for offset in range(plan.days):
        day = first_day + timedelta(days=offset)
        day_start = datetime.combine(day, time(0), zone)
        lines = []
        for merchant_id, profile, _category in merchants:
            count = max(0, int(rng.gauss(plan.orders_per_day, plan.orders_per_day / 4)))
            for _ in range(count):
                order_id = next_id("order", "o")
                product_id = f"{merchant_id}-p{rng.randrange(4)}"
                paid = day_start + timedelta(seconds=rng.randrange(86400))
                lines.append({"type": "order_paid", "order_id": order_id, "merchant_id": merchant_id,
                              "product_id": product_id, "amount_cents": rng.randrange(990, 59900),
                              "paid_at": _stamp(rng, paid, zone)})
                if rng.random() < 0.8:
                    verified = paid + timedelta(hours=rng.uniform(1, 72))
                    lines.append({"type": "order_verified", "order_id": order_id,
                                  "verified_at": _stamp(rng, verified, zone)})
                    if rng.random() < 0.5:
                        negative = rng.random() < profile.negative * 2  # half the orders are reviewed
                        lines.append({"type": "review_posted", "review_id": next_id("review", "r"),
                                      "order_id": order_id,
                                      "rating": rng.choice((1, 2)) if negative else rng.choice((3, 4, 5, 5, 5)),
                                      "posted_at": _stamp(rng, verified + timedelta(hours=rng.uniform(0.5, 100)), zone)})
                if rng.random() < profile.complaint:
                    lines.append(_complaint(rng, next_id("complaint", "c"), order_id, paid, zone,
                                            rng.choice(REASONS)))
                if rng.random() < profile.merchant_refund:
                    lines.append(_refund(rng, next_id("refund", "f"), order_id, paid, zone, "merchant"))
                elif rng.random() < 0.02:
                    lines.append(_refund(rng, next_id("refund", "f"), order_id, paid, zone,
                                         rng.choice(OTHER_RESPONSIBILITIES)))
                # A burst of complaints on one product over the last three days (聚集性投诉).
                if product_id == clustered_product and offset >= plan.days - 3 and rng.random() < 0.6:
                    lines.append(_complaint(rng, next_id("complaint", "c"), order_id, paid, zone, "quality",
                                            within_hours=6))
                # One merchant stops serving what it sold in the last week.
                if merchant_id == unserved_merchant and offset >= plan.days - 6 and rng.random() < 0.15:
                    lines.append(_complaint(rng, next_id("complaint", "c"), order_id, paid, zone,
                                            "service_not_provided", within_hours=8))
        rng.shuffle(lines)
        for line in lines:
            yield orjson.dumps(line) + b"\n"


def _complaint(rng, complaint_id, order_id, paid, zone, reason, within_hours=120):
    return {"type": "complaint_filed", "complaint_id": complaint_id, "order_id": order_id, "reason": reason,
            "filed_at": _stamp(rng, paid + timedelta(hours=rng.uniform(0.5, within_hours)), zone)}


def _refund(rng, refund_id, order_id, paid, zone, responsibility):
    return {"type": "refund_completed", "refund_id": refund_id, "order_id": order_id,
            "responsibility": responsibility, "amount_cents": rng.randrange(500, 30000),
            "refunded_at": _stamp(rng, paid + timedelta(hours=rng.uniform(1, 140)), zone)}
