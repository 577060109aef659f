"""The notifications consumer: each event a merchant must hear of becomes one notification per recipient and
one delivery per channel, in the consumer's checkpointed transaction (so neither lost nor repeated); the
deliveries are sent after commit (notifications.tasks.send_notifications), never inside it."""
import time
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

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
from eventstore.store import read
from eventstore.streams import parse_stream
from metrics.models import Merchant
from riskcase.ops.enqueue import on_commit_once

from . import backends
from .models import USER_CHANNELS, Announcement, Channel, Delivery, Kind, MerchantWebhook, Notification, Preference

NAME = "notifications.merchants"


def _judgement_context(judgement):
    return {"risk_point": judgement.risk_point, "product_id": judgement.product_id,
            "window_start": judgement.window_start.isoformat(), "window_end": judgement.window_end.isoformat(),
            "value": None if judgement.value is None else str(judgement.value),
            "threshold": None if judgement.threshold is None else str(judgement.threshold)}


def describe(recorded, violations, penalties):
    """(kind, merchant_id, subject_id, context) of an event the merchant must hear of, or None. `violations` and
    `penalties` ({id: row}, _subjects) hold the rows the batch's streams name."""
    event = recorded.event
    if isinstance(event, WarningRaised):
        return (Kind.WARNING_RAISED, event.judgement.merchant_id, str(event.warning_id),
                {**_judgement_context(event.judgement), "statement": event.statement})
    if isinstance(event, ViolationRecorded):
        return (Kind.VIOLATION_RECORDED, event.judgement.merchant_id, str(event.violation_id),
                {**_judgement_context(event.judgement), "statement": event.statement})
    if isinstance(event, AppealSubmitted | AppealDecided):
        violation_id = parse_stream(recorded.stream)[1]
        violation = violations[violation_id]
        context = {"risk_point": violation.risk_point}
        if isinstance(event, AppealSubmitted):
            return Kind.APPEAL_RECEIVED, violation.merchant_id, str(violation_id), {
                **context, "decision_due": event.decision_due.isoformat()}
        return Kind.APPEAL_DECIDED, violation.merchant_id, str(violation_id), {
            **context, "accepted": event.accepted, "reasons": event.reasons}
    if isinstance(event, PenaltyImposed | PenaltyLifted):
        penalty = penalties[parse_stream(recorded.stream)[1]]
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


def _subjects(events):
    """({violation id: Violation}, {penalty id: Penalty}) of the appeals' and penalties' streams among `events`
    (ids as the stream names them): at most two queries, whatever their number."""
    appealed = {parse_stream(r.stream)[1] for r in events if isinstance(r.event, AppealSubmitted | AppealDecided)}
    punished = {parse_stream(r.stream)[1] for r in events if isinstance(r.event, PenaltyImposed | PenaltyLifted)}
    violations = {str(v.pk): v for v in Violation.objects.filter(pk__in=appealed).only(
        "merchant_id", "risk_point")} if appealed else {}
    penalties = {str(p.pk): p for p in Penalty.objects.filter(pk__in=punished).only(
        "merchant_id", "kind", "product_id", "step")} if punished else {}
    return violations, penalties


@dataclass(frozen=True)
class Notice:
    """One notice to every staff user and webhook of a merchant: `key` names its source (event-<position>, or a
    beat task's key), and each recipient gets it once whatever the number of its merchants told."""

    key: str
    kind: str
    merchant_id: str
    subject_id: str
    context: dict
    position: int | None = None


CHUNK = 1000  # notices read, written and checked together, and rows per insert: a fixed number of queries for each


def notify_merchants(notices):
    """Create the notifications and deliveries of these notices (an iterable), to every active staff user and
    webhook of their merchants: at most seven queries per CHUNK notices, whatever the number of recipients (a rule change
    reaches every merchant of a category). Idempotent: unique per (key, recipient) and (notification, channel); a
    user told the same key for two merchants gets it once, for the first of them. Returns {key: deliveries
    created} of the keys that got any."""
    told, chunk = Counter(), []
    for notice in notices:
        chunk.append(notice)
        if len(chunk) == CHUNK:
            told += _notify_chunk(chunk)
            chunk = []
    if chunk:
        told += _notify_chunk(chunk)
    if told:
        from .tasks import send_notifications  # tasks imports this module

        on_commit_once(send_notifications)
    return told


def _notify_chunk(notices):
    merchant_ids = {notice.merchant_id for notice in notices}
    staff, hooks = {}, {}
    for row in (MerchantMembership.objects.filter(merchant_id__in=merchant_ids, user__is_active=True)
                .values("merchant_id", "user_id", "user__email", "user__notification_preference__phone",
                        "user__notification_preference__push_token", "user__notification_preference__channels")):
        # A user without preferences has the defaults (every channel it has an address for).
        preference = Preference(phone=row["user__notification_preference__phone"] or "",
                                push_token=row["user__notification_preference__push_token"] or "",
                                channels=row["user__notification_preference__channels"] or {})
        staff.setdefault(row["merchant_id"], []).append((row["user_id"], row["user__email"], preference))
    for webhook_id, merchant_id in MerchantWebhook.objects.filter(
            merchant_id__in=merchant_ids, active=True).values_list("pk", "merchant_id"):
        hooks.setdefault(merchant_id, []).append(webhook_id)
    # Per recipient: the first notice of each key, and the channels it goes on.
    to_users, to_hooks = {}, {}
    for notice in notices:
        for user_id, email, preference in staff.get(notice.merchant_id, ()):
            if (notice.key, user_id) not in to_users:
                to_users[notice.key, user_id] = notice, _user_channels(notice.kind, email, preference)
        for webhook_id in hooks.get(notice.merchant_id, ()):
            to_hooks.setdefault((notice.key, webhook_id), notice)
    if not to_users and not to_hooks:
        return Counter()
    ids = _notifications(to_users, to_hooks)
    wanted = {(ids["user", key, user_id], channel)
              for (key, user_id), (_notice, channels) in to_users.items() for channel in channels}
    wanted |= {(ids["webhook", key, webhook_id], Channel.WEBHOOK) for key, webhook_id in to_hooks}
    have = set(Delivery.objects.filter(notification_id__in={n for n, _c in wanted})
               .values_list("notification_id", "channel"))
    missing = wanted - have
    Delivery.objects.bulk_create([Delivery(notification_id=n, channel=c) for n, c in sorted(missing)],
                                 batch_size=CHUNK, ignore_conflicts=True)
    key_of = {pk: key for (_recipient, key, _id), pk in ids.items()}
    return Counter(key_of[n] for n, _c in missing)


def _user_channels(kind, email, preference):
    """The channels of USER_CHANNELS a notice of `kind` goes on for a user: those it has an address for (a
    configured backend for SMS and push) and wants (Preference.wants: mandatory kinds ignore opt-outs)."""
    addresses = {Channel.EMAIL: email, Channel.SMS: preference.phone and backends.configured(Channel.SMS),
                 Channel.PUSH: preference.push_token and backends.configured(Channel.PUSH)}
    return [channel for channel in USER_CHANNELS if addresses[channel] and preference.wants(kind, channel)]


def _notifications(to_users, to_hooks):
    """{("user", key, user id) or ("webhook", key, webhook id): notification id} of these recipients, the
    missing ones created (their notice's fields) in one insert."""
    keys = {key for key, _r in to_users} | {key for key, _r in to_hooks}
    recipients = Q(user_id__in={user_id for _k, user_id in to_users}) | Q(
        webhook_id__in={webhook_id for _k, webhook_id in to_hooks})

    def found():
        ids = {}
        for pk, key, user_id, webhook_id in Notification.objects.filter(recipients, key__in=keys).values_list(
                "pk", "key", "user_id", "webhook_id"):
            ids["user" if user_id is not None else "webhook", key, user_id if user_id is not None else webhook_id] = pk
        return ids

    ids = found()
    new = [_notification(notice, user_id=user_id) for (key, user_id), (notice, _c) in to_users.items()
           if ("user", key, user_id) not in ids]
    new += [_notification(notice, webhook_id=webhook_id) for (key, webhook_id), notice in to_hooks.items()
            if ("webhook", key, webhook_id) not in ids]
    if not new:
        return ids
    # ignore_conflicts: a concurrent run that made one meanwhile keeps its own (the ids are read again).
    Notification.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
    return found()


def _notification(notice, **recipient):
    return Notification(key=notice.key, merchant_id=notice.merchant_id, position=notice.position, kind=notice.kind,
                        subject_id=notice.subject_id, context=notice.context, **recipient)


def _rule_change(event):
    """(rule, category or None for every category, risk point, version id) of a reference-data version."""
    if isinstance(event, ThresholdVersionAdded):
        return THRESHOLD, event.category, event.risk_point, event.threshold_version_id
    if isinstance(event, RuleParametersVersionAdded):
        return RULE_PARAMETERS, event.category, "", event.rule_parameters_version_id
    return POLICY, None, "", event.policy_version_id


RULE_VERSIONS = (ThresholdVersionAdded, RuleParametersVersionAdded, PolicyVersionAdded)


def announce_rule_change(recorded):
    """A version recorded with changes (cases.strictness) is announced to every merchant of its category (the
    penalty policy: every merchant) that has staff or a webhook: one notification per recipient, whatever the
    number of its merchants. Versions without changes (the shipped defaults, events stored before) are not.
    The first CHUNK merchants are told here, in the consumer's transaction; a larger category goes on from an
    Announcement, a chunk a transaction (continue_announcements)."""
    if not recorded.event.changes:
        return
    announcement, _created = Announcement.objects.get_or_create(position=recorded.position)
    if announcement.finished_at is None and not _announce_next(announcement, recorded):
        from .tasks import send_notifications  # tasks imports this module

        on_commit_once(send_notifications)


def _announce_next(announcement, recorded):
    """Tell the next CHUNK merchants of the announcement (in merchant id order, after `told_through`) and note how
    far it got; True once every merchant has been told."""
    event = recorded.event
    rule, category, risk_point, version_id = _rule_change(event)
    context = {"rule": rule, "category": category or "", "risk_point": risk_point,
               "effective_from": event.effective_from.isoformat(), "changes": event.changes,
               "stricter": any(c["stricter"] for c in event.changes)}
    merchants = Merchant.objects.filter(
        Exists(MerchantMembership.objects.filter(merchant_id=OuterRef("pk"), user__is_active=True))
        | Exists(MerchantWebhook.objects.filter(merchant_id=OuterRef("pk"), active=True)),
        merchant_id__gt=announcement.told_through)
    if category is not None:
        merchants = merchants.filter(category=category)
    chunk = list(merchants.order_by("merchant_id").values_list("merchant_id", flat=True)[:CHUNK])
    notify_merchants([Notice(f"event-{recorded.position}", Kind.RULE_CHANGED, merchant_id, str(version_id), context,
                             recorded.position) for merchant_id in chunk])
    if len(chunk) < CHUNK:
        announcement.finished_at = timezone.now()
    else:
        announcement.told_through = chunk[-1]
    announcement.save(update_fields=["told_through", "finished_at"])
    return announcement.finished_at is not None


def continue_announcements(seconds=60):
    """Go on with the unfinished announcements, oldest first, a chunk of merchants a transaction (one worker on
    each: the others skip it), for about `seconds`. True when some are still unfinished."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with transaction.atomic():
            announcement = (Announcement.objects.select_for_update(skip_locked=True)
                            .filter(finished_at__isnull=True).order_by("position").first())
            if announcement is None:
                return False
            [recorded] = read(after=announcement.position - 1, limit=1)
            _announce_next(announcement, recorded)
    return Announcement.objects.filter(finished_at__isnull=True).exists()


def handle_batch(events):
    """The consumer's batch (eventstore.consumers): the notices of its events told together (notify_merchants), a
    rule change announced where it comes, so that notifications are made in the events' order."""
    notices, (violations, penalties) = [], _subjects(events)
    for recorded in events:
        if isinstance(recorded.event, RULE_VERSIONS):
            notify_merchants(notices)
            notices = []
            announce_rule_change(recorded)
            continue
        described = describe(recorded, violations, penalties)
        if described is not None:
            kind, merchant_id, subject_id, context = described
            notices.append(Notice(f"event-{recorded.position}", kind, merchant_id, subject_id, context,
                                  recorded.position))
    notify_merchants(notices)


def register():
    register_consumer(NAME, batch_handler=handle_batch,
                      types=[WarningRaised, ViolationRecorded, AppealSubmitted, AppealDecided, PenaltyImposed,
                             PenaltyLifted, *RULE_VERSIONS])


def run(batch_size=100):
    return process_new_events(NAME, batch_size=batch_size)
