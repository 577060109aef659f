"""Rate thresholds per category: adding a version (a recorded change) and reading the one in force.

An evaluation as of A judges each merchant against the version of its category with the latest
`effective_from <= A`. Versions are only added, never edited, so a past judgement can always cite
the exact numbers it used.
"""
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from eventstore.actors import Actor
from .errors import NotPermitted
from eventstore.store import append
from .models import RATE_RISK_POINTS, ThresholdVersion

DEFAULT_WARN_FACTOR = Decimal("0.8")  # warn_at defaults to exactly 0.8 x limit
PLACES = 6  # ThresholdVersion stores six decimal places
STREAM_PREFIX = "threshold"
ADD_PERMISSION = "cases.add_thresholdversion"


class InvalidThreshold(ValidationError):
    """A threshold version that cannot be added (bad numbers, unknown category, duplicate date)."""


def _decimal(name, value):
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidThreshold({name: f"{value!r} is not a decimal number"}) from None
    if not number.is_finite():
        raise InvalidThreshold({name: f"{value!r} is not a finite number"})
    try:
        exact = number == number.quantize(Decimal(1).scaleb(-PLACES))
    except InvalidOperation:
        exact = False
    if not exact:
        raise InvalidThreshold({name: f"{value} has more than {PLACES} decimal places"})
    return number


def threshold_stream(category, risk_point):
    return f"{STREAM_PREFIX}:{category}:{risk_point}"


def _validate(*, category, risk_point, limit, warn_at, window_days, min_orders, effective_from):
    errors = {}
    if category not in settings.RISKCASE_CATEGORIES:
        errors["category"] = f"unknown category {category!r}"
    if risk_point not in {p.value for p in RATE_RISK_POINTS}:
        errors["risk_point"] = f"{risk_point!r} is not a rate risk point"
    if not Decimal(0) < limit <= Decimal(1):
        errors["limit"] = "limit must be a rate above 0 and at most 1"
    if not Decimal(0) < warn_at <= limit:
        errors["warn_at"] = "warn_at must be above 0 and at most the limit"
    if not isinstance(window_days, int) or window_days < 1:
        errors["window_days"] = "window_days must be a whole number of days, at least 1"
    if not isinstance(min_orders, int) or min_orders < 1:
        errors["min_orders"] = "min_orders must be a whole number, at least 1"
    if not hasattr(effective_from, "isoformat"):
        errors["effective_from"] = "effective_from must be a date"
    if errors:
        raise InvalidThreshold(errors)


def threshold_version_add(*, category, risk_point, limit, warn_at=None, window_days=30, min_orders=30,
                          effective_from, actor, note=""):
    """Add a threshold version in force from `effective_from`, and record the change as an event.

    `warn_at` defaults to exactly 0.8 x limit (a Decimal, never a float product). `actor` is the
    system or a reviewer holding cases.add_thresholdversion (who becomes `created_by`). The
    version row and its "threshold.version_added" event commit together. Raises InvalidThreshold
    or NotPermitted.
    """
    created_by_id = _user_id(actor)
    limit = _decimal("limit", limit)
    warn_at = _decimal("warn_at", limit * DEFAULT_WARN_FACTOR if warn_at is None else warn_at)
    _validate(category=category, risk_point=risk_point, limit=limit, warn_at=warn_at,
              window_days=window_days, min_orders=min_orders, effective_from=effective_from)
    try:
        with transaction.atomic():
            version = ThresholdVersion.objects.create(
                category=category, risk_point=risk_point, limit=limit, warn_at=warn_at,
                window_days=window_days, min_orders=min_orders, effective_from=effective_from,
                created_by_id=created_by_id, note=note,
            )
            append(
                threshold_stream(category, risk_point),
                "threshold.version_added",
                {
                    "v": 1, "threshold_version_id": version.pk, "category": category,
                    "risk_point": risk_point, "limit": str(limit), "warn_at": str(warn_at),
                    "window_days": window_days, "min_orders": min_orders,
                    "effective_from": effective_from.isoformat(), "note": note,
                },
                actor=actor,
            )
    except IntegrityError:
        raise InvalidThreshold(
            {"effective_from": f"{category} {risk_point} already has a version from {effective_from}"}
        ) from None
    return version


def _user_id(actor):
    """The reviewer's user id (checked to hold the permission), or None for the system."""
    if not isinstance(actor, Actor):
        raise TypeError("actor must be a eventstore.actors.Actor")
    if actor.is_system:
        return None
    user = get_user_model().objects.filter(pk=actor.user_id, is_active=True).first() if actor.is_reviewer else None
    if user is None or not user.has_perm(ADD_PERMISSION):
        raise NotPermitted(_("Only a reviewer allowed to change thresholds can add a version."))
    return user.pk


def in_force(as_of):
    """Every version in force on `as_of`, one per (category, risk point): one query."""
    latest = (
        ThresholdVersion.objects.filter(
            category=OuterRef("category"), risk_point=OuterRef("risk_point"), effective_from__lte=as_of
        )
        .order_by("-effective_from")
        .values("pk")[:1]
    )
    return ThresholdVersion.objects.filter(effective_from__lte=as_of, pk=Subquery(latest))


def thresholds_in_force(as_of, risk_point=None):
    """{(category, risk point): ThresholdVersion} in force on `as_of`, optionally for one rate."""
    versions = in_force(as_of)
    if risk_point is not None:
        versions = versions.filter(risk_point=risk_point)
    return {(v.category, v.risk_point): v for v in versions}


def threshold_in_force(category, risk_point, as_of):
    """The version of one category and rate in force on `as_of`, or None when there is none."""
    return (
        ThresholdVersion.objects.filter(category=category, risk_point=risk_point, effective_from__lte=as_of)
        .order_by("-effective_from")
        .first()
    )
