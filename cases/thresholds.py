"""The rules' reference data per category: rate thresholds and the count rules' parameters.

Adding a version (one service per intent, recorded as an event through eventstore.aggregates.commit)
and reading the ones in force. An evaluation as of A judges each merchant against the versions of its
category with the latest `effective_from <= A`. Versions are only added, never edited or deleted, so a
past judgement can always cite the exact numbers it used (replay rebuilds them from the events).
"""
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from eventstore.aggregates import commit
from eventstore.reference import InvalidReferenceData, author_id, next_id
from eventstore.store import lock_for_append

from .aggregates import RuleParameterVersions, ThresholdVersions
from .events import RuleParametersVersionAdded, ThresholdVersionAdded
from .models import RATE_RISK_POINTS, RuleParameterVersion, ThresholdVersion
from .strictness import RULE_PARAMETER_FIELDS, THRESHOLD_FIELDS, compare, require_notice

DEFAULT_WARN_FACTOR = Decimal("0.8")  # warn_at defaults to exactly 0.8 x limit
PLACES = 6  # ThresholdVersion stores six decimal places
ADD_PERMISSION = "cases.add_thresholdversion"
ADD_PARAMETERS_PERMISSION = "cases.add_ruleparameterversion"
NOTE_LENGTH = 500


class InvalidThreshold(InvalidReferenceData):
    """A threshold version that cannot be added (bad numbers, unknown category, duplicate date)."""


class InvalidRuleParameters(InvalidReferenceData):
    """A rule parameters version that cannot be added (bad counts, unknown category, duplicate date)."""


def _whole(value, maximum):
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= maximum


def _note(note, error):
    if not isinstance(note, str) or len(note) > NOTE_LENGTH:
        raise error({"note": f"note must be text of at most {NOTE_LENGTH} characters"})
    return note


def _is_date(value):
    return isinstance(value, date) and not isinstance(value, datetime)


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
    if not _whole(window_days, 32767):
        errors["window_days"] = "window_days must be a whole number of days, from 1 to 32767"
    if not _whole(min_orders, 2_147_483_647):
        errors["min_orders"] = "min_orders must be a whole number, at least 1"
    if not _is_date(effective_from):
        errors["effective_from"] = "effective_from must be a date"
    if errors:
        raise InvalidThreshold(errors)


def threshold_version_add(*, category, risk_point, limit, warn_at=None, window_days=30, min_orders=30,
                          effective_from, actor, note="", impact_as_of=None):
    """Add a threshold version in force from `effective_from`, recorded as a ThresholdVersionAdded event.

    A version stricter than the one it replaces (cases.strictness) must apply at least 7 days after today
    (StricterTooSoon otherwise); one that only relaxes may apply at once. The event keeps its changes and its
    impact (cases.impact, from the metrics as of the last night, or `impact_as_of`); the returned version
    carries them too (`.changes`, `.impact`).

    `warn_at` defaults to exactly 0.8 x limit (a Decimal, never a float product). `actor` is the
    system or a reviewer holding cases.add_thresholdversion (who becomes `created_by`). The
    version row and its event commit together (eventstore.aggregates.commit). Raises InvalidThreshold
    (field errors) or NotPermitted.
    """
    author_id(actor, ADD_PERMISSION, _("Only a reviewer allowed to change thresholds can add a version."))
    note = _note(note, InvalidThreshold)
    limit = _decimal("limit", limit)
    if warn_at is None:  # 0.8 x the limit, to the six places a threshold keeps (the limit's own precision)
        warn_at = (limit * DEFAULT_WARN_FACTOR).quantize(Decimal(1).scaleb(-PLACES), rounding=ROUND_HALF_EVEN)
    warn_at = _decimal("warn_at", warn_at)
    _validate(category=category, risk_point=risk_point, limit=limit, warn_at=warn_at,
              window_days=window_days, min_orders=min_orders, effective_from=effective_from)
    proposed = ThresholdVersion(category=category, risk_point=risk_point, limit=limit, warn_at=warn_at,
                                window_days=window_days, min_orders=min_orders, effective_from=effective_from)
    impact = threshold_impact(proposed, _replaced(ThresholdVersion, proposed, risk_point=risk_point), as_of=impact_as_of)
    with transaction.atomic():
        lock_for_append()
        if ThresholdVersion.objects.filter(category=category, risk_point=risk_point,
                                           effective_from=effective_from).exists():
            raise InvalidThreshold(
                {"effective_from": f"{category} {risk_point} already has a version from {effective_from}"})
        changes = threshold_changes(proposed)
        require_notice(changes, effective_from=effective_from, today=timezone.localdate())
        event = ThresholdVersionAdded(
            threshold_version_id=next_id(ThresholdVersion), category=category, risk_point=risk_point, limit=limit,
            warn_at=warn_at, window_days=window_days, min_orders=min_orders, effective_from=effective_from,
            note=note, changes=[c.as_data() for c in changes], impact=impact,
        )
        aggregate = ThresholdVersions.load(ThresholdVersions.key_of(event))
        commit(aggregate, event, actor=actor, expected_version=aggregate.version)
    version = ThresholdVersion.objects.get(pk=event.threshold_version_id)
    version.changes, version.impact = event.changes, impact
    return version


def _replaced(model, proposed, **same):
    """The version `proposed` replaces: the one in force the day before it applies (None: it is the first)."""
    return (model.objects.filter(category=proposed.category, effective_from__lt=proposed.effective_from, **same)
            .order_by("-effective_from").first())


def _snapshot(version, fields):
    return {name: getattr(version, name) for name in fields}


def threshold_changes(proposed):
    """[strictness.Change] of a threshold version (saved or not) against the version it replaces."""
    previous = _replaced(ThresholdVersion, proposed, risk_point=proposed.risk_point)
    return compare(previous and _snapshot(previous, THRESHOLD_FIELDS), _snapshot(proposed, THRESHOLD_FIELDS),
                   THRESHOLD_FIELDS)


def rule_parameters_changes(proposed):
    """[strictness.Change] of a rule parameters version (saved or not) against the version it replaces."""
    previous = _replaced(RuleParameterVersion, proposed)
    return compare(previous and _snapshot(previous, RULE_PARAMETER_FIELDS),
                   _snapshot(proposed, RULE_PARAMETER_FIELDS), RULE_PARAMETER_FIELDS)


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


def threshold_impact(proposed, previous, *, as_of=None):
    from .impact import threshold_impact as impact  # the rules import this module

    return impact(proposed, previous, as_of=as_of)


def rule_parameters_impact(proposed, previous, *, as_of=None):
    from .impact import rule_parameters_impact as impact

    return impact(proposed, previous, as_of=as_of)


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


# --- The count rules' parameters (clustered complaints, orders not served, related entity) -------

def rule_parameters_version_add(*, category, effective_from, actor, note="", impact_as_of=None, **parameters):
    """Add a version of one category's count-rule parameters, in force from `effective_from`, recorded
    as a RuleParametersVersionAdded event. Stricter versions need 7 days' notice, and the event keeps the
    changes and the impact, as for thresholds (threshold_version_add).

    `parameters` are RuleParameterVersion.PARAMETERS (whole numbers, at least 1; the clustered
    complaints' warn_at at most its limit); one left out keeps the shipped default. `actor` is the
    system or a reviewer holding cases.add_ruleparameterversion. Raises InvalidRuleParameters (field
    errors) or NotPermitted.
    """
    author_id(actor, ADD_PARAMETERS_PERMISSION,
              _("Only a reviewer allowed to change rule parameters can add a version."))
    unknown = set(parameters) - set(RuleParameterVersion.PARAMETERS)
    if unknown:
        raise TypeError(f"unknown rule parameters: {', '.join(sorted(unknown))}")
    values = {name: parameters.get(name, RuleParameterVersion._meta.get_field(name).default)
              for name in RuleParameterVersion.PARAMETERS}
    errors = {}
    if category not in settings.RISKCASE_CATEGORIES:
        errors["category"] = f"unknown category {category!r}"
    note = _note(note, InvalidRuleParameters)
    for name, value in values.items():
        if not _whole(value, 32767):
            errors[name] = f"{name} must be a whole number from 1 to 32767"
    if "clustered_warn_at" not in errors and "clustered_limit" not in errors and (
            values["clustered_warn_at"] > values["clustered_limit"]):
        errors["clustered_warn_at"] = "clustered_warn_at must be at most clustered_limit"
    if not _is_date(effective_from):
        errors["effective_from"] = "effective_from must be a date"
    if errors:
        raise InvalidRuleParameters(errors)
    proposed = RuleParameterVersion(category=category, effective_from=effective_from, **values)
    impact = rule_parameters_impact(proposed, _replaced(RuleParameterVersion, proposed), as_of=impact_as_of)
    with transaction.atomic():
        lock_for_append()
        if RuleParameterVersion.objects.filter(category=category, effective_from=effective_from).exists():
            raise InvalidRuleParameters(
                {"effective_from": f"{category} already has rule parameters from {effective_from}"})
        changes = rule_parameters_changes(proposed)
        require_notice(changes, effective_from=effective_from, today=timezone.localdate())
        event = RuleParametersVersionAdded(
            rule_parameters_version_id=next_id(RuleParameterVersion), category=category,
            effective_from=effective_from, note=note, changes=[c.as_data() for c in changes], impact=impact, **values,
        )
        aggregate = RuleParameterVersions.load(category)
        commit(aggregate, event, actor=actor, expected_version=aggregate.version)
    version = RuleParameterVersion.objects.get(pk=event.rule_parameters_version_id)
    version.changes, version.impact = event.changes, impact
    return version


def rule_parameter_versions_in_force(as_of):
    """Every rule parameters version in force on `as_of`, one per category (a QuerySet)."""
    latest = (
        RuleParameterVersion.objects.filter(category=OuterRef("category"), effective_from__lte=as_of)
        .order_by("-effective_from")
        .values("pk")[:1]
    )
    return RuleParameterVersion.objects.filter(effective_from__lte=as_of, pk=Subquery(latest))


def rule_parameters_in_force(as_of):
    """{category: RuleParameterVersion} in force on `as_of`: one query."""
    return {v.category: v for v in rule_parameter_versions_in_force(as_of)}


# --- The events of versions written without one (the data migrations' shipped defaults) --------

def threshold_version_added(version):
    """The ThresholdVersionAdded event of an existing row (any model class with its fields: migrations
    pass historical ones); decimals at their six stored places, so the payload is the same on every database."""
    places = Decimal(1).scaleb(-PLACES)
    return ThresholdVersionAdded(
        threshold_version_id=version.pk, category=version.category, risk_point=version.risk_point,
        limit=Decimal(version.limit).quantize(places), warn_at=Decimal(version.warn_at).quantize(places),
        window_days=version.window_days, min_orders=version.min_orders, effective_from=version.effective_from,
        note=version.note,
    )


def rule_parameters_version_added(version):
    """The RuleParametersVersionAdded event of an existing row (historical models too)."""
    return RuleParametersVersionAdded(
        rule_parameters_version_id=version.pk, category=version.category, effective_from=version.effective_from,
        note=version.note, **{name: getattr(version, name, RuleParameterVersion._meta.get_field(name).default)
                              for name in RuleParameterVersion.PARAMETERS},
    )
