"""The impact of a threshold or rule-parameter version before it is recorded (issue 13, item 7).

The rules themselves judge the category's merchants from the stored metrics as of the last nightly run, once
with the new version and once with the version it replaces (the same set-based SQL as the nightly
evaluation, cases.rules, with the versions given instead of the ones in force). The impact says how many
merchants the new version would warn (a warning and no violation), put in violation, and move up the ladder
(in violation under the new version but not under the one replaced), with their ids, at most
IMPACT_LIST_CAP of each (the counts are exact).
"""
import hashlib
import json
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from metrics.models import RecomputeRun

from .rules import RULES, VIOLATION, WARNING
from .rules.rates import RateRule

IMPACT_LIST_CAP = 100
GROUPS = ("warn", "violation", "ladder_up")


def last_night():
    """The as-of day of the last finished nightly run (yesterday when none has run yet)."""
    day = (RecomputeRun.objects.filter(finished_at__isnull=False).order_by("-finished_at")
           .values_list("as_of", flat=True).first())
    return day or timezone.localdate() - timedelta(days=1)


def summarize(as_of, merchants):
    """The impact document: {as_of, warn, violation, ladder_up (counts), merchants: {group: [ids]}, capped}."""
    return {"as_of": as_of.isoformat(), **{g: len(merchants[g]) for g in GROUPS},
            "merchants": {g: sorted(merchants[g])[:IMPACT_LIST_CAP] for g in GROUPS},
            "capped": any(len(merchants[g]) > IMPACT_LIST_CAP for g in GROUPS)}


def _judged(rules, as_of):
    findings = [f for rule in rules for f in rule.evaluate(as_of)]
    return ({f.merchant_id for f in findings if f.kind == WARNING},
            {f.merchant_id for f in findings if f.kind == VIOLATION})


def _impact(new_rules, old_rules, as_of):
    warned, violating = _judged(new_rules, as_of)
    _, before = _judged(old_rules, as_of) if old_rules else (set(), set())
    return summarize(as_of, {"warn": warned - violating, "violation": violating, "ladder_up": violating - before})


def threshold_impact(version, previous, *, as_of=None):
    """The impact of the (unsaved) ThresholdVersion `version` against `previous` (None: no version before):
    its rate rule, for its category, merchants and products."""
    as_of = as_of or last_night()
    rule = next(r for r in RULES if issubclass(r, RateRule) and r.risk_point == version.risk_point)
    return _impact([rule(thresholds={version.category: version})],
                   [rule(thresholds={previous.category: previous})] if previous else [], as_of)


def rule_parameters_impact(version, previous, *, as_of=None):
    """The impact of the (unsaved) RuleParameterVersion `version` against `previous`: every rule reading the
    parameters (the count rules, and the rate rules judging products), for its category."""
    as_of = as_of or last_night()
    return _impact([rule(parameters={version.category: version}) for rule in RULES],
                   [rule(parameters={previous.category: previous}) for rule in RULES] if previous else [], as_of)


def preview_fingerprint(arguments):
    """A short digest of a version's arguments: the admin's preview step shows the impact once per set of values."""
    text = json.dumps(arguments, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def preview_lines(changes, impact):
    """What the reviewer reads before recording a version: its changes (stricter or not) and its impact."""
    lines = [_("Preview, not recorded yet. Impact from the metrics as of %(as_of)s: %(warn)d merchant(s) warned, "
               "%(violation)d in violation, %(ladder_up)d moving up the ladder.") % impact]
    labels = {"warn": _("Warned"), "violation": _("In violation"), "ladder_up": _("Moving up the ladder")}
    for group in GROUPS:
        if impact["merchants"][group]:
            more = _(" (and more)") if len(impact["merchants"][group]) < impact[group] else ""
            lines.append(f"{labels[group]}: {', '.join(impact['merchants'][group])}{more}")
    if changes:
        lines.append(_("Changes: %(changes)s.") % {"changes": "; ".join(
            f"{c['field']} {c['old']} → {c['new']}" + (_(" (stricter)") if c["stricter"] else "") for c in changes)})
    else:
        lines.append(_("No change from the version it replaces."))
    lines.append(_("Check the numbers and save again to record this version."))
    return lines


PREVIEW = "preview"  # the code of the admin's preview message (preview_lines): shown on the form, not an error


def is_only_a_preview(errors):
    """True when the only errors of a form (or a formset's non-form errors) are the preview step's message."""
    found = errors.as_data() if hasattr(errors, "as_data") else errors
    return bool(found) and all(getattr(e, "code", None) == PREVIEW for e in found)


def preview_error(changes, impact):
    """The preview step's message as a form error (each line coded PREVIEW): the admin shows it, records nothing."""
    from django.core.exceptions import ValidationError

    return ValidationError([ValidationError(line, code=PREVIEW) for line in preview_lines(changes, impact)])
