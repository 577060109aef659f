"""The notifications consumer: each event a merchant must hear of becomes one notification per recipient and
one delivery per channel, in the consumer's checkpointed transaction (so neither lost nor repeated); the
deliveries are sent after commit (notifications.tasks.send_notifications), never inside it."""
from django.db.models import Q

from accounts.models import MerchantMembership
from cases.events import (
    AppealDecided,
    AppealSubmitted,
    RuleParametersVersionAdded,
    ThresholdVersionAdded,
    ViolationRecorded,
    WarningRaised,
)
from cases.models import Violation
from enforcement.events import PenaltyImposed, PenaltyLifted, PolicyVersionAdded
from enforcement.models import LiftCause, Penalty
from enforcement.rule_changes import POLICY, RULE_PARAMETERS, THRESHOLD
from eventstore.consumers import process_new_events, register_consumer
from eventstore.streams import parse_stream
from metrics.models import Merchant
from riskcase.ops.enqueue import on_commit_once

from . import backends
from .models import USER_CHANNELS, Channel, Delivery, Kind, MerchantWebhook, Notification, Preference

NAME = "notifications.merchants"


def _judgement_context(judgement):
    return {"risk_point": judgement.risk_point, "product_id": judgement.product_id,
            "window_start": judgement.window_start.isoformat(), "window_end": judgement.window_end.isoformat(),
            "value": None if judgement.value is None else str(judgement.value),
            "threshold": None if judgement.threshold is None else str(judgement.threshold)}


def describe(recorded):
    """(kind, merchant_id, subject_id, context) of an event the merchant must hear of, or None."""
    event = recorded.event
    if isinstance(event, WarningRaised):
        return (Kind.WARNING_RAISED, event.judgement.merchant_id, str(event.warning_id),
                {**_judgement_context(event.judgement), "statement": event.statement})
    if isinstance(event, ViolationRecorded):
        return (Kind.VIOLATION_RECORDED, event.judgement.merchant_id, str(event.violation_id),
                {**_judgement_context(event.judgement), "statement": event.statement})
    if isinstance(event, AppealSubmitted | AppealDecided):
        violation_id = parse_stream(recorded.stream)[1]
        violation = Violation.objects.only("merchant_id", "risk_point").get(pk=violation_id)
        context = {"risk_point": violation.risk_point}
        if isinstance(event, AppealSubmitted):
            return Kind.APPEAL_RECEIVED, violation.merchant_id, str(violation_id), {
                **context, "decision_due": event.decision_due.isoformat()}
        return Kind.APPEAL_DECIDED, violation.merchant_id, str(violation_id), {
            **context, "accepted": event.accepted, "reasons": event.reasons}
    if isinstance(event, PenaltyImposed | PenaltyLifted):
        penalty = Penalty.objects.get(pk=parse_stream(recorded.stream)[1])
        context = {"penalty": penalty.kind, "product_id": penalty.product_id}
        if isinstance(event, PenaltyImposed):
            return Kind.PENALTY_IMPOSED, penalty.merchant_id, str(penalty.pk), {
                **context, "starts_at": event.starts_at.isoformat(),
                "ends_at": event.ends_at.isoformat() if event.ends_at else None}
        # A re-step (the merchant's standing violations changed) lifts one rung to impose another: its own notice.
        kind = Kind.PENALTY_RE_STEPPED if event.cause == LiftCause.RE_STEPPED else Kind.PENALTY_LIFTED
        return kind, penalty.merchant_id, str(penalty.pk), {
            **context, "cause": event.cause, "reason": event.reason, "step": penalty.step}
    return None


def notify_merchant(*, key, kind, merchant_id, subject_id, context, position=None):
    """Create the notifications and deliveries of one notice to every staff user and webhook of the merchant.
    Idempotent: unique per (key, recipient) and (notification, channel). Returns the deliveries created."""
    created = 0
    memberships = (MerchantMembership.objects.filter(merchant_id=merchant_id, user__is_active=True)
                   .select_related("user"))
    preferences = {p.user_id: p for p in Preference.objects.filter(user__merchant_memberships__merchant_id=merchant_id)}
    common = {"merchant_id": merchant_id, "position": position, "kind": kind, "subject_id": subject_id,
              "context": context}
    for membership in memberships:
        user = membership.user
        preference = preferences.get(user.pk) or Preference(user=user)
        notification, _ = Notification.objects.get_or_create(key=key, user=user, defaults=common)
        addresses = {Channel.EMAIL: user.email, Channel.SMS: preference.phone and backends.configured(Channel.SMS),
                     Channel.PUSH: preference.push_token and backends.configured(Channel.PUSH)}
        for channel in USER_CHANNELS:
            if addresses[channel] and preference.wants(kind, channel):
                created += Delivery.objects.get_or_create(notification=notification, channel=channel)[1]
    for webhook in MerchantWebhook.objects.filter(merchant_id=merchant_id, active=True):
        notification, _ = Notification.objects.get_or_create(key=key, webhook=webhook, defaults=common)
        created += Delivery.objects.get_or_create(notification=notification, channel=Channel.WEBHOOK)[1]
    if created:
        from .tasks import send_notifications  # tasks imports this module

        on_commit_once(send_notifications)
    return created


def _rule_change(event):
    """(rule, category or None for every category, risk point, version id) of a reference-data version."""
    if isinstance(event, ThresholdVersionAdded):
        return THRESHOLD, event.category, event.risk_point, event.threshold_version_id
    if isinstance(event, RuleParametersVersionAdded):
        return RULE_PARAMETERS, event.category, "", event.rule_parameters_version_id
    return POLICY, None, "", event.policy_version_id


def announce_rule_change(recorded):
    """A version recorded with changes (cases.strictness) is announced to every merchant of its category (the
    penalty policy: every merchant) that has staff or a webhook: one notification per recipient, whatever the
    number of its merchants. Versions without changes (the shipped defaults, events stored before) are not."""
    event = recorded.event
    if not event.changes:
        return
    rule, category, risk_point, version_id = _rule_change(event)
    context = {"rule": rule, "category": category or "", "risk_point": risk_point,
               "effective_from": event.effective_from.isoformat(), "changes": event.changes,
               "stricter": any(c["stricter"] for c in event.changes)}
    merchants = Merchant.objects.filter(Q(staff_memberships__user__is_active=True)
                                        | Q(notification_webhooks__active=True))
    if category is not None:
        merchants = merchants.filter(category=category)
    for merchant_id in merchants.order_by("merchant_id").values_list("merchant_id", flat=True).distinct():
        notify_merchant(key=f"event-{recorded.position}", kind=Kind.RULE_CHANGED, merchant_id=merchant_id,
                        subject_id=str(version_id), context=context, position=recorded.position)


def handle(recorded):
    if isinstance(recorded.event, ThresholdVersionAdded | RuleParametersVersionAdded | PolicyVersionAdded):
        announce_rule_change(recorded)
        return
    described = describe(recorded)
    if described is None:
        return
    kind, merchant_id, subject_id, context = described
    notify_merchant(key=f"event-{recorded.position}", kind=kind, merchant_id=merchant_id, subject_id=subject_id,
                    context=context, position=recorded.position)


def register():
    register_consumer(NAME, handle, types=[WarningRaised, ViolationRecorded, AppealSubmitted, AppealDecided,
                                           PenaltyImposed, PenaltyLifted, ThresholdVersionAdded,
                                           RuleParametersVersionAdded, PolicyVersionAdded])


def run(batch_size=100):
    return process_new_events(NAME, batch_size=batch_size)
