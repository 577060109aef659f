"""Which rule changes are stricter (更严格) for merchants, and the notice a stricter one needs: the one place.

PRC E-Commerce Law Art. 34: a platform announces a change of its rules at least seven days before it applies.
A new threshold, rule-parameter or penalty-policy version is compared field by field with the version it
replaces (the one in force the day before it applies); a field is *stricter* when the change can only
harm a merchant (more merchants judged, judged sooner, punished harder or longer):

- thresholds: a lower `limit` or `warn_at`, a lower `min_orders` (fewer orders suffice to judge); any
  change of the rate's `window_days` (a pooled rate over a different window can rise or fall, so it is not
  clearly a relaxation);
- count-rule parameters: a lower count (`clustered_warn_at`, `clustered_limit`, `unserved_limit`), a lower
  `product_min_orders`, a longer window or look-back (`clustered_window_days`, `unserved_window_days`,
  `related_lookback_days`: a count over a longer window is never smaller);
- the penalty policy: a longer rolling `window_days` (violations stand longer), a lower `clustered_ban_at`, a
  longer `protective_review_hours` (a protective ban waits longer for its review), any change of the
  `severity_order`, and for each rung (the n-th standing violation; beyond the last step, the last step) a
  harsher kind, a longer term (no end is the longest), a lower traffic weight or a harsher fallback.

A version with no predecessor introduces a rule where there was none: every field counts as stricter. A version
with any stricter field needs the notice; one that only relaxes (or changes nothing) may apply at once.
"""
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from eventstore.errors import DomainError

NOTICE_DAYS = 7

LOWER, HIGHER, ANY, HARSHER = "lower", "higher", "any", "harsher"  # which direction of a field is stricter

THRESHOLD_FIELDS = {"limit": LOWER, "warn_at": LOWER, "min_orders": LOWER, "window_days": ANY}

RULE_PARAMETER_FIELDS = {
    "clustered_window_days": HIGHER, "clustered_warn_at": LOWER, "clustered_limit": LOWER,
    "unserved_window_days": HIGHER, "unserved_limit": LOWER, "related_lookback_days": HIGHER,
    "product_min_orders": LOWER,
}

POLICY_FIELDS = {"window_days": HIGHER, "clustered_ban_at": LOWER, "protective_review_hours": HIGHER,
                 "severity_order": ANY}
RUNG_FIELDS = {"kind": HARSHER, "duration_days": HIGHER, "traffic_weight": LOWER, "fallback_kind": HARSHER}

# How harsh each penalty is (the store ladder's order).
PENALTY_HARSHNESS = {"public_warning": 1, "restricted_promotion": 2, "throttling": 3, "product_restriction": 3,
                     "product_ban": 4, "store_removal": 5}


class StricterTooSoon(DomainError):
    """A stricter version dated sooner than NOTICE_DAYS after the day it is recorded."""

    message = _("This version makes the rules stricter and must be announced at least 7 days before it applies.")
    status = 400  # the API's code is the class's name: stricter_too_soon


@dataclass(frozen=True)
class Change:
    """One field that differs from the version replaced: old and new values, and whether the change is stricter."""

    field: str
    old: Any
    new: Any
    stricter: bool

    def as_data(self):
        return {"field": self.field, "old": _plain(self.old), "new": _plain(self.new), "stricter": self.stricter}


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _stricter(direction, old, new):
    if direction == ANY:
        return True
    if direction == HARSHER:
        return PENALTY_HARSHNESS.get(new, 0) > PENALTY_HARSHNESS.get(old, 0)
    infinity = Decimal("Infinity")  # a term without end is the longest
    old = infinity if old is None else Decimal(str(old))
    new = infinity if new is None else Decimal(str(new))
    return new < old if direction == LOWER else new > old


def _same(old, new):
    if isinstance(old, (Decimal, int)) and isinstance(new, (Decimal, int)) and not isinstance(old, bool):
        return Decimal(old) == Decimal(new)
    if isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)):
        return list(old) == list(new)
    return old == new


def compare(old, new, directions):
    """[Change] of every field of `directions` in which the snapshot `new` differs from `old` (None: no
    predecessor, every field is new and stricter)."""
    if old is None:
        return [Change(name, None, new[name], True) for name in directions]
    return [Change(name, old[name], new[name], _stricter(direction, old[name], new[name]))
            for name, direction in directions.items() if not _same(old[name], new[name])]


def _rungs(steps, count):
    """The ladder's rungs 1..count as {field: value}: beyond the last step, the last step applies."""
    ordered = [{**s, **({"fallback_kind": s["fallback_kind"] or "throttling"} if "fallback_kind" in s else {})}
               for s in sorted(steps, key=lambda s: s["number"])]  # no fallback means throttling (enforcement.ladder)
    return [next((s for s in ordered if s["number"] == n), ordered[-1]) for n in range(1, count + 1)]


def compare_policy(old, new):
    """[Change] between two policy snapshots ({window_days, clustered_ban_at, protective_review_hours,
    severity_order, steps, product_steps}; steps as dicts of number, kind, duration_days, traffic_weight and,
    for the store ladder, fallback_kind), rung by rung."""
    if old is None:
        return [Change(name, None, new[name], True) for name in (*POLICY_FIELDS, "steps", "product_steps")]
    changes = compare(old, new, POLICY_FIELDS)
    for ladder in ("steps", "product_steps"):
        count = max(len(old[ladder]), len(new[ladder]))
        for n, (before, after) in enumerate(zip(_rungs(old[ladder], count), _rungs(new[ladder], count),
                                                strict=True), 1):
            fields = {f: d for f, d in RUNG_FIELDS.items() if f in after or f in before}
            for change in compare({f: before.get(f, "") for f in fields}, {f: after.get(f, "") for f in fields},
                                  fields):
                changes.append(Change(f"{ladder}[{n}].{change.field}", change.old, change.new, change.stricter))
    return changes


def is_stricter(changes):
    return any(change.stricter for change in changes)


def earliest_stricter_day(today):
    """The first day a stricter version recorded on `today` may apply."""
    return today + timedelta(days=NOTICE_DAYS)


def require_notice(changes, *, effective_from, today):
    """Refuse (StricterTooSoon) a stricter version dated sooner than NOTICE_DAYS after `today`; a version that
    only relaxes may apply at once, even on a past day."""
    stricter = [c.field for c in changes if c.stricter]
    earliest = earliest_stricter_day(today)
    if stricter and effective_from < earliest:
        raise StricterTooSoon(_(
            "This version makes the rules stricter (%(fields)s), so merchants must be told at least %(days)d days "
            "before it applies: choose an effective date on or after %(earliest)s.") % {
            "fields": ", ".join(stricter), "days": NOTICE_DAYS, "earliest": earliest.isoformat()},
            field="effective_from")
