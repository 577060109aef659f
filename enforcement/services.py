"""Enforcement commands: the only code that writes penalties and restrictions (always with their event)."""
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.actors import SYSTEM, Actor
from cases.errors import ConcurrencyError, InvalidCommand, NotPermitted, TransitionNotAllowed
from cases.eventstore import append, lock_for_append
from cases.models import Violation

from riskcase.ops.enqueue import on_commit_once

from . import cache, projections, webhooks
from .abilities import LIFTABLE_STATES, ReviewerAbilities, lift_approvals_needed
from .events import (
    PenaltyApproved,
    PenaltyExpired,
    PenaltyImposed,
    PenaltyLiftApproved,
    PenaltyLifted,
    PenaltyProposed,
)
from .models import Penalty, PenaltyState, WebhookEndpoint
from .policy import decide, standing_violations, policy_in_force



def _write(penalty, event, *, actor, expected_version, now=None):
    """Append `event` to the penalty's stream, fold it into the projections, refresh restrictions."""
    recorded = append(penalty.stream, event, actor=actor, expected_version=expected_version, occurred_at=now)
    projections.apply(penalty, recorded)
    penalty.save()
    _refresh_restriction(penalty.merchant_id, recorded.position)
    return recorded


def _refresh_restriction(merchant_id, position):
    row = projections.restriction_for(merchant_id, position)
    row.save()
    document = row.document()
    # Replaced after commit (a reader meanwhile may refill from the old row: the put is versioned by
    # position, so the older document never wins). If Redis is down the reconciler writes it later.
    transaction.on_commit(lambda: cache.put(document), robust=True)
    from .tasks import deliver_webhooks
    on_commit_once(deliver_webhooks)


def _impose(penalty, *, actor, now):
    ends = None if penalty.duration_days is None else now + timedelta(days=penalty.duration_days)
    _write(penalty, PenaltyImposed(starts_at=now, ends_at=ends), actor=actor, expected_version=penalty.version, now=now)


def penalty_propose_for_violation(*, violation_id, actor=SYSTEM, now=None):
    """Choose the step the violation earns and propose it; impose at once when no approval is needed.

    Idempotent: a violation already behind a penalty gets no second one.
    """
    now = now or timezone.now()
    with transaction.atomic():
        lock_for_append()
        violation = Violation.objects.get(pk=violation_id)
        taken = Penalty.objects.filter(merchant_id=violation.merchant_id).values_list("violation_ids", flat=True)
        if any(str(violation_id) in ids for ids in taken):
            return None
        d = decide(violation, now=now)
        penalty = Penalty(id=uuid.uuid4())
        _write(penalty, PenaltyProposed(
            penalty_id=penalty.id, merchant_id=violation.merchant_id, product_id=d.product_id, kind=d.kind,
            step=d.step, violation_ids=[str(violation_id)], policy_version_id=d.policy_version_id,
            duration_days=d.duration_days, traffic_weight=str(d.traffic_weight),
            approvals_needed=d.approvals_needed, senior_only=d.senior_only,
        ), actor=actor, expected_version=0, now=now)
        if d.approvals_needed == 0:
            _impose(penalty, actor=actor, now=now)
        return penalty


def penalty_approve(*, penalty_id, reviewer, expected_version=None, now=None):
    """A reviewer confirms a proposed penalty; imposed when enough different reviewers have approved."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_for_append()
        penalty = Penalty.objects.select_for_update().get(pk=penalty_id)
        if expected_version is not None and expected_version != penalty.version:
            raise ConcurrencyError(stream=penalty.stream, expected=expected_version, actual=penalty.version)
        refusal = ReviewerAbilities(reviewer).approval_refusal(penalty)
        if refusal is not None:
            raise refusal
        actor = Actor.reviewer(reviewer)
        _write(penalty, PenaltyApproved(reviewer_id=reviewer.pk), actor=actor,
               expected_version=penalty.version, now=now)
        if len(penalty.approved_by) >= penalty.approvals_needed:
            _impose(penalty, actor=actor, now=now)
        return penalty


def penalty_lift(*, penalty_id, actor, cause="reviewer", reason="", expected_version=None, now=None):
    """Lift a proposed or active penalty before its end, with a reason.

    A reviewer needs the authority of the decision (enforcement.abilities): a product ban is lifted by a
    senior reviewer; a store removal by two different seniors, the first of whom records their agreement
    (penalty.lift_approved) and the second lifts. System lifts (a won appeal, a withdrawal) are not asked.
    """
    now = now or timezone.now()
    if actor.is_reviewer and not reason.strip():
        raise InvalidCommand(_("A reason is required to lift a penalty."))
    with transaction.atomic():
        lock_for_append()
        penalty = Penalty.objects.select_for_update().get(pk=penalty_id)
        if expected_version is not None and expected_version != penalty.version:
            raise ConcurrencyError(stream=penalty.stream, expected=expected_version, actual=penalty.version)
        if penalty.state not in LIFTABLE_STATES:
            raise TransitionNotAllowed()
        if actor.is_reviewer:
            user = get_user_model().objects.filter(pk=actor.user_id, is_active=True).first()
            if user is None:
                raise NotPermitted()
            refusal = ReviewerAbilities(user).lift_refusal(penalty)
            if refusal is not None:
                raise refusal
            if len(penalty.lift_approved_by) + 1 < lift_approvals_needed(penalty):
                _write(penalty, PenaltyLiftApproved(reviewer_id=user.pk, reason=reason), actor=actor,
                       expected_version=penalty.version, now=now)
                return penalty
        elif not actor.is_system:
            raise NotPermitted()
        _write(penalty, PenaltyLifted(cause=cause, reason=reason), actor=actor,
               expected_version=penalty.version, now=now)
        return penalty


def penalties_lift_for_violation(*, violation_id, cause, now=None):
    """A won appeal or withdrawal: lift every penalty resting on the violation, then re-evaluate the steps
    of the merchant's remaining penalties (a penalty whose step exceeds the standing count is lifted)."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_for_append()
        violation = Violation.objects.get(pk=violation_id)
        open_states = (PenaltyState.PROPOSED, PenaltyState.ACTIVE)
        mine = [p for p in Penalty.objects.select_for_update().filter(
            merchant_id=violation.merchant_id, state__in=open_states).order_by("step", "proposed_at")]
        lifted = []
        for p in mine:
            if str(violation_id) in p.violation_ids:
                penalty_lift(penalty_id=p.pk, actor=SYSTEM, cause=cause, reason=str(violation_id), now=now)
                lifted.append(p.pk)
        policy = policy_in_force(timezone.localdate(now))
        standing = standing_violations(violation.merchant_id, now=now,
                                       window_days=policy.window_days if policy else 90).count()
        for p in mine:
            if p.pk not in lifted and p.step > standing and p.kind != "product_ban":
                penalty_lift(penalty_id=p.pk, actor=SYSTEM, cause="re_evaluated", reason=str(violation_id), now=now)
                lifted.append(p.pk)
        return lifted


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
                _write(penalty, PenaltyExpired(), actor=SYSTEM, expected_version=penalty.version, now=now)
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
