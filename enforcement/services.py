"""Enforcement commands: the only code that writes penalties and restrictions (always with their event).

The ladder is a pure function of the standing violations (enforcement.ladder); `merchant_restep` makes
a merchant's ladder penalties equal to it after any change (recorded, overturned, withdrawn, left the
window), lifting what should not exist and imposing what should, each with an event naming the cause.
A term counts from when the violation was first penalised, so a re-step never lengthens a punishment.
Severity bans (protective) and reviewers' discretionary penalties stand beside the ladder.
"""
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Violation, ViolationState
from eventstore.actors import SYSTEM, Actor
from eventstore.aggregates import Change, commit_batch, ensure_version
from eventstore.errors import InvalidCommand, NotPermitted, TransitionNotAllowed
from eventstore.store import lock_for_append, openings

from . import cache, ladder, projections, webhooks
from .abilities import LIFTABLE_STATES, ReviewerAbilities, discretion_refusal, lift_approvals_needed
from .aggregates import PenaltyAggregate
from .events import (
    PenaltyApproved,
    PenaltyConfirmed,
    PenaltyExpired,
    PenaltyImposed,
    PenaltyLiftApproved,
    PenaltyLifted,
    PenaltyProposed,
)
from .models import LiftCause, Penalty, PenaltyKind, PenaltyState, Restriction, WebhookEndpoint
from .policy import (
    APPROVALS,
    policy_in_force,
    product_steps_of,
    protective_review_hours_of,
    severity_of,
    standing_violations_of,
    steps_of,
)

OPEN_STATES = (PenaltyState.PROPOSED, PenaltyState.ACTIVE)
OVERTURN_CAUSES = {ViolationState.APPEAL_SUCCEEDED: LiftCause.APPEAL_WON,
                   ViolationState.WITHDRAWN: LiftCause.VIOLATION_WITHDRAWN}


def _commit(changes):
    """The unit of work on penalties: the Changes committed at once (eventstore.aggregates.commit_batch: the
    rows saved, the events appended under one lock), then each merchant's restrictions refreshed once, as of
    its last event. Returns the RecordedEvents."""
    if not changes:
        return []
    recorded = commit_batch(changes)
    last = {}
    for change, event in zip(changes, recorded, strict=True):
        last[change.aggregate.root.merchant_id] = event.position
    _refresh_restrictions(last)
    return recorded


def _write(aggregate, event, *, actor, expected_version, now=None):
    """One event on a penalty (apply, save, append), then the merchant's restrictions refreshed."""
    return _commit([Change(aggregate, event, actor=actor, expected_version=expected_version, occurred_at=now)])[0]


def _refresh_restrictions(positions):
    """Rebuild the Restriction row of each merchant of `positions` ({merchant_id: event position}) from its
    active penalties: one read, one write."""
    active = {}
    for penalty in Penalty.objects.filter(merchant_id__in=list(positions), state=PenaltyState.ACTIVE):
        active.setdefault(penalty.merchant_id, []).append(penalty)
    rows = [projections.restriction_for(m, position, active.get(m, [])) for m, position in positions.items()]
    if len(rows) == 1:
        rows[0].save()
    else:
        Restriction.objects.bulk_create(rows, update_conflicts=True, unique_fields=["merchant_id"], update_fields=[
            f.name for f in Restriction._meta.concrete_fields if not f.primary_key])
    documents = [row.document() for row in rows]

    def put():
        for document in documents:
            cache.put(document)

    # Replaced after commit (a reader meanwhile may refill from the old row: the put is versioned by
    # position, so the older document never wins). If Redis is down the reconciler writes it later.
    transaction.on_commit(put, robust=True)


def _ends(duration_days, term_from, now):
    """A term counts from `term_from` (when the violation was first penalised), else from now."""
    if duration_days is None:
        return None
    return (term_from or now) + timedelta(days=duration_days)


def _impose(aggregate, *, actor, now):
    penalty = aggregate.root
    _write(aggregate, PenaltyImposed(starts_at=now, ends_at=_ends(penalty.duration_days, penalty.term_from, now)),
           actor=actor, expected_version=penalty.version, now=now)


def _proposal(changes, *, merchant_id, violation_ids, step, kind, product_id, duration_days, traffic_weight,
              policy_id, actor, now, term_from=None, protective=False, review_due_at=None, discretionary=False,
              statement="", internal_note=""):
    """Add to `changes` the proposal of a penalty, and its imposition when its kind needs no approval (a
    protective ban never does). Returns its aggregate (its root exists once the changes are committed)."""
    approvals, senior_only = (0, False) if protective else APPROVALS[kind]
    term_from = term_from or now
    aggregate = PenaltyAggregate()
    changes.append(Change(aggregate, PenaltyProposed(
        penalty_id=uuid.uuid4(), merchant_id=merchant_id, product_id=product_id, kind=kind, step=step,
        violation_ids=[str(v) for v in violation_ids], policy_version_id=policy_id, duration_days=duration_days,
        traffic_weight=str(traffic_weight), approvals_needed=approvals, senior_only=senior_only,
        term_from=term_from, protective=protective, review_due_at=review_due_at,
        discretionary=discretionary, statement=statement, internal_note=internal_note,
    ), actor=actor, expected_version=0, occurred_at=now))
    if approvals == 0:
        changes.append(Change(aggregate, PenaltyImposed(starts_at=now, ends_at=_ends(duration_days, term_from, now)),
                              actor=actor, expected_version=1, occurred_at=now))
    return aggregate


def _propose(**proposal):
    """Propose a penalty (`_proposal`) and commit it at once."""
    changes = []
    aggregate = _proposal(changes, **proposal)
    _commit(changes)
    return aggregate.root


def _lifting(penalty, *, cause, reason, now, actor=SYSTEM, internal_note=""):
    """The Change that lifts `penalty`."""
    return Change(PenaltyAggregate(penalty), PenaltyLifted(cause=cause, reason=reason, internal_note=internal_note),
                  actor=actor, expected_version=penalty.version, occurred_at=now)


def _lift(penalty, **lifting):
    _commit([_lifting(penalty, **lifting)])


def _lock_penalty(penalty_id, expected_version):
    penalty = Penalty.objects.select_for_update().filter(pk=penalty_id).first()
    if penalty is None:
        raise InvalidCommand(_("No such penalty."))
    ensure_version(penalty.version, expected_version)
    return penalty


def _active_reviewer(actor):
    user = get_user_model().objects.filter(pk=actor.user_id, is_active=True).first() if actor.is_reviewer else None
    if user is None:
        raise NotPermitted()
    return user


# --- the ladder --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Ladder:
    """What the policy in force on one day says about the ladder (read once per day in a batch)."""

    policy_id: object
    window: int
    severity: list
    steps: list
    product_steps: list
    ban_at: object
    review_hours: int


def _ladders():
    """A memo {day: _Ladder} filled on demand: `ladder_on(now)`."""
    memo = {}

    def ladder_on(now):
        day = timezone.localdate(now)
        if day not in memo:
            policy = policy_in_force(day)
            memo[day] = _Ladder(policy.pk if policy else None, policy.window_days if policy else 90,
                                severity_of(policy), steps_of(policy), product_steps_of(policy),
                                policy.clustered_ban_at if policy else 10, protective_review_hours_of(policy))
        return memo[day]

    return ladder_on


def merchant_restep(*, merchant_id, reason="", now=None):
    """Make the merchant's ladder penalties equal to the ladder of its standing violations now.

    Idempotent (a second run changes nothing) and safe to call after any change. A penalty a reviewer
    lifted by hand stays lifted (that rung of that violation is decided); a rung whose term, counted from
    the violation's first penalty, has already run is not imposed again. Returns the events' count.
    """
    return merchants_restep([(merchant_id, reason, now)])


def merchants_restep(resteps):
    """`merchant_restep` of many merchants at once: `resteps` is [(merchant_id, reason, now)], each merchant
    once (now None: the current time). Set-based: one read of their standing violations (per day and window),
    one of their penalties, one of the violations behind those; the events of every lift and proposal
    appended together (`_commit`), each merchant's restrictions refreshed once. Returns the events' count."""
    ladder_on, current = _ladders(), timezone.now()
    resteps = [(merchant_id, reason, now or current) for merchant_id, reason, now in resteps]
    if not resteps:
        return 0
    with transaction.atomic():
        lock_for_append()
        groups, standing, penalties = {}, {}, {}
        for merchant_id, _reason, now in resteps:
            groups.setdefault((now, ladder_on(now).window), []).append(merchant_id)
        for (now, window), merchant_ids in groups.items():
            for violation in standing_violations_of(merchant_ids, now=now, window_days=window):
                standing.setdefault(violation.merchant_id, []).append(violation)
        opened = openings(v.stream for violations in standing.values() for v in violations)
        for penalty in Penalty.objects.select_for_update().filter(
                merchant_id__in=[m for m, _r, _n in resteps]).order_by("proposed_at"):
            penalties.setdefault(penalty.merchant_id, []).append(penalty)
        states = {str(pk): state for pk, state in Violation.objects.filter(pk__in={
            v for mine in penalties.values() for p in mine for v in p.violation_ids}).values_list("pk", "state")}
        changes = []
        for merchant_id, reason, now in resteps:
            _restep(changes, merchant_id, standing.get(merchant_id, []), opened, penalties.get(merchant_id, []),
                    states, ladder_on(now), why=reason or _("the merchant's standing violations changed"), now=now)
        _commit(changes)
    return len(changes)


def _restep(changes, merchant_id, standing, opened, penalties, states, rules, *, why, now):
    """Add to `changes` what makes one merchant's ladder penalties equal to the ladder of its `standing`
    violations: lifts of what should not exist, proposals of what should."""
    store = ladder.order([v for v in standing if not v.on_product_ladder], opened, rules.severity)
    products = ladder.order([v for v in standing if v.on_product_ladder], opened, rules.severity)
    # Each product's own ladder (its product rate violations), beside the store's.
    target = (ladder.rungs(store, rules.steps) if store else []) + ladder.product_rungs(products, rules.product_steps)
    standing_ids = {str(v.pk) for v in standing}

    for rung in target:
        mine = [p for p in penalties if p.on_ladder and rung.violation_id in p.violation_ids]
        current = next((p for p in mine if p.state in OPEN_STATES), None)
        if current is not None and (current.step, current.kind, current.product_id) == (
                rung.step, rung.kind, rung.product_id):
            continue
        if any(p.lift_cause == LiftCause.REVIEWER and p.step == rung.step for p in mine):
            continue  # reviewers lifted this rung of this violation: their decision stands
        first = min((p.term_from or p.starts_at or p.proposed_at for p in mine), default=None)
        if current is not None:
            changes.append(_lifting(current, cause=LiftCause.RE_STEPPED, now=now, reason=_(
                "Re-stepped: %(why)s; this violation now carries step %(step)d.") % {"why": why, "step": rung.step}))
        term_from = first or now
        if rung.duration_days is not None and term_from + timedelta(days=rung.duration_days) <= now:
            continue  # that rung's term, counted from the first penalty, has already run
        _proposal(changes, merchant_id=merchant_id, violation_ids=[rung.violation_id], step=rung.step,
                  kind=rung.kind, product_id=rung.product_id, duration_days=rung.duration_days,
                  traffic_weight=rung.traffic_weight, policy_id=rules.policy_id, actor=SYSTEM, now=now,
                  term_from=term_from)

    for p in penalties:
        if p.state not in OPEN_STATES or any(v in standing_ids for v in p.violation_ids):
            continue
        overturned = [OVERTURN_CAUSES[states[v]] for v in p.violation_ids if states.get(v) in OVERTURN_CAUSES]
        if overturned:
            cause = overturned[0]
            text = (_("Lifted: your appeal against the violation behind it was accepted.")
                    if cause == LiftCause.APPEAL_WON else
                    _("Lifted: the platform withdrew the violation behind it."))
        elif p.on_ladder:
            cause, text = LiftCause.LEFT_WINDOW, _("Lifted: the violation behind it left the rolling window.")
        else:
            continue  # a protective or discretionary penalty runs its own term
        changes.append(_lifting(p, cause=cause, reason=text, now=now))


def protective_bans(violations):
    """Violations were recorded, [(violation_id, recorded_at)]: each severe one (clustered complaints about a
    product at the policy's `clustered_ban_at` or more) bans that product at once as a protective measure,
    before any review, as of its recording. Idempotent (one ban per violation). The ladder follows:
    `merchants_restep` (the violation takes its ordinary rung too, a public warning first)."""
    ladder_on = _ladders()
    with transaction.atomic():
        lock_for_append()
        rows = Violation.objects.only("merchant_id", "risk_point", "product_id", "value").in_bulk(
            [violation_id for violation_id, _now in violations])
        severe = []
        for violation_id, now in violations:
            violation, rules = rows.get(violation_id), ladder_on(now)
            if (violation is not None and violation.risk_point == "clustered_complaints" and violation.product_id
                    and violation.value is not None and violation.value >= rules.ban_at):
                severe.append((violation, rules, now))
        if not severe:
            return 0
        taken = {v for ids in Penalty.objects.filter(merchant_id__in={v.merchant_id for v, _r, _n in severe},
                                                      protective=True).values_list("violation_ids", flat=True)
                 for v in ids}
        changes = []
        for violation, rules, now in severe:
            if str(violation.pk) in taken:
                continue
            taken.add(str(violation.pk))
            ban = next((s for s in rules.steps if s[1] == PenaltyKind.PRODUCT_BAN), None)
            sla = timedelta(hours=rules.review_hours)
            _proposal(changes, merchant_id=violation.merchant_id, violation_ids=[violation.pk],
                      step=ban[0] if ban else 4, kind=PenaltyKind.PRODUCT_BAN, product_id=violation.product_id,
                      duration_days=ban[2] if ban else 60, traffic_weight=1, policy_id=rules.policy_id,
                      actor=SYSTEM, now=now, protective=True, review_due_at=now + sla, statement=_(
                          "Product %(product)s is banned at once to protect consumers: %(count)s complaints about "
                          "it within a few days. A reviewer confirms or lifts the ban within %(hours)d hours.") % {
                          "product": violation.product_id, "count": violation.value.normalize(),
                          "hours": sla.total_seconds() // 3600})
        _commit(changes)
        return len(changes)


RESTEP_CHUNK = 100  # merchants re-stepped in one transaction by the daily safety net


def penalties_restep_all(*, now=None):
    """The daily safety net: re-step every merchant with an open ladder penalty or a violation in the window
    (violations leave the window with time alone), RESTEP_CHUNK merchants a transaction. Idempotent."""
    now = now or timezone.now()
    merchants = sorted(set(Penalty.objects.filter(state__in=OPEN_STATES).values_list("merchant_id", flat=True)))
    changed = 0
    for start in range(0, len(merchants), RESTEP_CHUNK):
        changed += merchants_restep([(merchant_id, _("a violation left the rolling window"), now)
                                     for merchant_id in merchants[start:start + RESTEP_CHUNK]])
    return changed


# --- reviewers' commands -----------------------------------------------------------------------

def penalty_approve(*, penalty_id, reviewer, expected_version=None, internal_note="", now=None):
    """A reviewer confirms a proposed penalty; imposed when enough different reviewers have approved."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_for_append()
        penalty = _lock_penalty(penalty_id, expected_version)
        refusal = ReviewerAbilities(reviewer).approval_refusal(penalty)
        if refusal is not None:
            raise refusal
        actor = Actor.reviewer(reviewer)
        aggregate = PenaltyAggregate(penalty)
        _write(aggregate, PenaltyApproved(reviewer_id=reviewer.pk), actor=actor,
               expected_version=penalty.version, now=now)
        if len(penalty.approved_by) >= penalty.approvals_needed:
            _impose(aggregate, actor=actor, now=now)
        return penalty


def penalty_confirm(*, penalty_id, reviewer, expected_version=None, internal_note="", now=None):
    """A reviewer confirms a protective severity ban within its SLA: it stays until its term ends."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_for_append()
        penalty = _lock_penalty(penalty_id, expected_version)
        refusal = ReviewerAbilities(reviewer).confirmation_refusal(penalty)
        if refusal is not None:
            raise refusal
        _write(PenaltyAggregate(penalty), PenaltyConfirmed(reviewer_id=reviewer.pk, internal_note=internal_note),
               actor=Actor.reviewer(reviewer), expected_version=penalty.version, now=now)
        return penalty


def penalty_propose_discretionary(*, violation_id, reviewer, step, statement, internal_note="", expected_version=None,
                                  now=None):
    """A reviewer proposes any step of the ladder for a serious case (视具体情况), with a statement of reasons
    the merchant sees. The same confirmation rules apply (a product ban by another reviewer, a store removal
    by two seniors); lower steps take effect at once. `expected_version` is the violation's version the
    reviewer read (a stale one is a ConcurrencyError)."""
    now = now or timezone.now()
    statement = (statement or "").strip()
    if not statement:
        raise InvalidCommand(_("A statement of reasons is required."))
    with transaction.atomic():
        lock_for_append()
        violation = Violation.objects.select_for_update().filter(pk=violation_id).first()
        if violation is None:
            raise InvalidCommand(_("No such violation."))
        ensure_version(violation.version, expected_version)
        open_discretionary = any(str(violation.pk) in ids for ids in Penalty.objects.filter(
            merchant_id=violation.merchant_id, discretionary=True, state__in=LIFTABLE_STATES
        ).values_list("violation_ids", flat=True))
        refusal = discretion_refusal(violation, reviewer, open_discretionary=open_discretionary)
        if refusal is not None:
            raise refusal
        policy = policy_in_force(timezone.localdate(now))
        steps = steps_of(policy)
        spec = next((s for s in steps if s[0] == int(step)), None)
        if spec is None:
            raise InvalidCommand(_("The policy has no step %(step)s.") % {"step": step})
        number, kind, days, weight, fallback = spec
        product = ""
        if kind == PenaltyKind.PRODUCT_BAN:
            if violation.product_id:
                product, weight = violation.product_id, 1
            else:
                kind = fallback or PenaltyKind.THROTTLING
        return _propose(merchant_id=violation.merchant_id, violation_ids=[violation.pk], step=number, kind=kind,
                        product_id=product, duration_days=days, traffic_weight=weight,
                        policy_id=policy.pk if policy else None, actor=Actor.reviewer(reviewer), now=now,
                        discretionary=True, statement=statement, internal_note=internal_note)


def penalty_lift(*, penalty_id, actor, cause=LiftCause.REVIEWER, reason="", internal_note="", expected_version=None,
                 now=None):
    """Lift a proposed or active penalty before its end: `reason` is the statement the merchant sees,
    `internal_note` is for reviewers and auditors only.

    A reviewer needs the authority of the decision (enforcement.abilities): a product ban in force is lifted
    by a senior reviewer; a store removal by two different seniors, the first of whom records their
    agreement (penalty.lift_approved) and the second lifts. The system (re-stepping) is not asked.
    """
    now = now or timezone.now()
    if actor.is_reviewer and not reason.strip():
        raise InvalidCommand(_("A statement of reasons is required to lift a penalty."))
    with transaction.atomic():
        lock_for_append()
        penalty = _lock_penalty(penalty_id, expected_version)
        if penalty.state not in LIFTABLE_STATES:
            raise TransitionNotAllowed()
        if actor.is_reviewer:
            user = _active_reviewer(actor)
            refusal = ReviewerAbilities(user).lift_refusal(penalty)
            if refusal is not None:
                raise refusal
            if len(penalty.lift_approved_by) + 1 < lift_approvals_needed(penalty):
                _write(PenaltyAggregate(penalty), PenaltyLiftApproved(
                    reviewer_id=user.pk, reason=reason, internal_note=internal_note), actor=actor,
                       expected_version=penalty.version, now=now)
                return penalty
        elif not actor.is_system:
            raise NotPermitted()
        _lift(penalty, cause=cause, reason=reason, internal_note=internal_note, now=now, actor=actor)
        return penalty


def penalties_expire_due(*, now=None, limit=500):
    """Expire active penalties whose end has passed. Idempotent and safe with several workers: each
    penalty is claimed with SELECT ... FOR UPDATE SKIP LOCKED and re-checked, so it expires once."""
    now = now or timezone.now()
    expired = 0
    while True:
        with transaction.atomic():
            lock_for_append()
            batch = list(Penalty.objects.select_for_update(skip_locked=True)
                         .filter(state=PenaltyState.ACTIVE, ends_at__lte=now).order_by("ends_at")[:limit])
            for penalty in batch:
                _write(PenaltyAggregate(penalty), PenaltyExpired(), actor=SYSTEM, expected_version=penalty.version,
                       now=now)
            expired += len(batch)
        if len(batch) < limit:
            return expired


def webhook_endpoint_create(*, name, url, active=True):
    """A new downstream endpoint with a generated signing secret; returns (endpoint, secret). The secret is
    shown to its creator once and never again (reviewers see neither it nor its predecessor)."""
    secret = webhooks.new_secret()
    endpoint = WebhookEndpoint.objects.create(name=name, url=url, active=active, secret=secret)
    return endpoint, secret


def webhook_secret_rotate(*, endpoint_id, overlap=None, now=None):
    """Replace an endpoint's signing secret; the old one keeps signing beside it for `overlap` (default
    RISKCASE_WEBHOOK_SECRET_OVERLAP_HOURS, 24 h). Returns the new secret, to be shown once."""
    now = now or timezone.now()
    overlap = overlap or timedelta(hours=getattr(settings, "RISKCASE_WEBHOOK_SECRET_OVERLAP_HOURS", 24))
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        secret = webhooks.new_secret()
        endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, now + overlap
        endpoint.secret = secret
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return secret
