"""Enforcement's reactions to the event log, each a consumer with its own checkpoint (eventstore.consumers):
penalties follow violations, and every restriction change is queued for the downstream webhooks."""
from django.utils.translation import gettext as _

from cases.events import AppealDecided, ViolationRecorded, ViolationWithdrawn
from cases.models import Violation
from eventstore.aggregates import EventContext
from eventstore.consumers import process_new_events, register_consumer
from eventstore.models import Event
from eventstore.store import read
from eventstore.streams import parse_stream, stream_name
from riskcase.ops.enqueue import on_commit_once

from . import services
from .aggregates import PenaltyAggregate
from .events import PenaltyExpired, PenaltyImposed, PenaltyLifted
from .models import Penalty, PenaltyState, Restriction, WebhookDelivery, WebhookEndpoint
from .projections import restriction_for

VIOLATIONS = "enforcement.violations"
WEBHOOKS = "enforcement.webhooks"
RESTRICTION_CHANGES = (PenaltyImposed, PenaltyLifted, PenaltyExpired)  # what downstream systems are told of
ENDED = (PenaltyState.LIFTED, PenaltyState.EXPIRED)  # a penalty's last states (no transition leaves them)


def handle_violation_events(batch):
    """Penalties follow the standing violations, once per batch of events: a protective ban for each new
    severe violation (at its recording), then ONE re-step of each merchant the batch touched (in order of
    first appearance, enforcement.ladder), with a reason naming what happened. The ladder is a pure function
    of the standing violations, so the penalties after the batch are those one re-step per event would
    leave; a merchant's intermediate rungs within the batch are never imposed (nor lifted, nor noticed)."""
    overturned = {parse_stream(r.stream)[1] for r in batch if not isinstance(r.event, ViolationRecorded)}
    merchant_of = {str(pk): merchant_id for pk, merchant_id in
                   Violation.objects.filter(pk__in=overturned).values_list("pk", "merchant_id")} if overturned else {}
    new, happened = [], {}
    for recorded in batch:
        event = recorded.event
        if isinstance(event, ViolationRecorded):
            merchant_id, what, now = event.judgement.merchant_id, "recorded", recorded.recorded_at
            new.append((event.violation_id, now))
        elif isinstance(event, AppealDecided) and not event.accepted:
            continue
        else:
            merchant_id = merchant_of.get(str(parse_stream(recorded.stream)[1]))
            what = "accepted" if isinstance(event, AppealDecided) else "withdrawn"
            now = None  # as a single re-step after an overturn: the time of the re-step
        if merchant_id is None:
            continue
        counts, _now = happened.get(merchant_id, ({}, None))
        counts[what] = counts.get(what, 0) + 1
        happened[merchant_id] = (counts, now)  # the time of its last event, as the last single re-step had
    if new:
        services.protective_bans(new)
    services.merchants_restep([(merchant_id, _reason(counts), now) for merchant_id, (counts, now) in happened.items()])


def _reason(counts):
    """What happened to a merchant's violations in one batch, for the re-stepped penalties' statements."""
    texts = {"recorded": (_("a new violation was recorded"), _("%(count)d new violations were recorded")),
             "accepted": (_("an appeal was accepted"), _("%(count)d appeals were accepted")),
             "withdrawn": (_("a violation was withdrawn"), _("%(count)d violations were withdrawn"))}
    return _(", ").join(texts[what][0] if n == 1 else texts[what][1] % {"count": n} for what, n in counts.items())


def handle_penalty_events(batch):
    """Queue one delivery per active endpoint for each restriction change of the batch (in the checkpoint's
    transaction), of a merchant that has a restriction row; they are sent after commit (enforcement.tasks.
    deliver_webhooks), never inside it. Each carries the document as of its own event, not as of now, so each
    change is told in order. At most seven queries a batch, whatever its events: their penalties' merchants,
    which of those have a restriction row, their penalties, which of those that ended have events from the
    batch's first on, the penalties' events up to the batch's last (folded once, in order), the endpoints with
    the deliveries there already, one insert."""
    penalty_ids = {parse_stream(recorded.stream)[1] for recorded in batch}
    merchant_of = {str(pk): merchant_id for pk, merchant_id in
                   Penalty.objects.filter(pk__in=penalty_ids).values_list("pk", "merchant_id")}
    restricted = set(Restriction.objects.filter(merchant_id__in=set(merchant_of.values()))
                     .values_list("merchant_id", flat=True))
    changes = [(recorded, merchant_id) for recorded in batch
               if (merchant_id := merchant_of.get(parse_stream(recorded.stream)[1])) in restricted]
    if not changes:
        return
    documents = _documents_at(changes)
    endpoints = list(WebhookEndpoint.objects.filter(active=True).values_list("pk", flat=True))
    positions = [recorded.position for recorded, _merchant_id in changes]
    queued = set(WebhookDelivery.objects.filter(endpoint_id__in=endpoints, position__in=positions)
                 .values_list("endpoint_id", "position"))
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint_id=endpoint, position=recorded.position, merchant_id=merchant_id,
                         payload=documents[recorded.position])
         for recorded, merchant_id in changes for endpoint in endpoints if (endpoint, recorded.position) not in queued],
        batch_size=1000, ignore_conflicts=True)
    from .tasks import deliver_webhooks  # tasks imports this module

    on_commit_once(deliver_webhooks)


def _documents_at(changes):
    """{position: the restrictions document of its merchant as of that event} for (recorded, merchant id)
    pairs in position order: the merchants' penalties folded from their events (rebuilt, not the live rows),
    read once up to the last position, a document taken at each change. A penalty that had ended (lifted or
    expired, states it never leaves) before the batch's first change is in force at none of them, so its
    events are not read: the work follows the penalties of the batch's time, not the merchants' history."""
    merchants = {merchant_id for _recorded, merchant_id in changes}
    first, last = changes[0][0].position, changes[-1][0].position
    merchant_of, ended = {}, set()
    for pk, merchant_id, state in Penalty.objects.filter(merchant_id__in=merchants).values_list(
            "pk", "merchant_id", "state"):
        merchant_of[stream_name("penalty", pk)] = merchant_id
        if state in ENDED:
            ended.add(stream_name("penalty", pk))
    if ended:  # those that ended at or after the first change: their events from it on
        still = set(Event.objects.filter(stream__in=ended, pk__gte=first).values_list("stream", flat=True).distinct())
        merchant_of = {stream: m for stream, m in merchant_of.items() if stream in still or stream not in ended}
    events = iter(read(streams=list(merchant_of), until=last))
    built = {merchant_id: {} for merchant_id in merchants}  # merchant -> stream -> PenaltyAggregate
    documents, upcoming = {}, next(events, None)
    for recorded, merchant_id in changes:
        while upcoming is not None and upcoming.position <= recorded.position:
            aggregate = built[merchant_of[upcoming.stream]].setdefault(upcoming.stream, PenaltyAggregate())
            aggregate.apply(upcoming.event, EventContext(upcoming.occurred_at, upcoming.actor))
            upcoming = next(events, None)
        active = [a.root for a in built[merchant_id].values() if a.root.state == PenaltyState.ACTIVE]
        documents[recorded.position] = restriction_for(merchant_id, recorded.position, active).document()
    return documents


def register():
    register_consumer(VIOLATIONS, types=[ViolationRecorded, AppealDecided, ViolationWithdrawn],
                      batch_handler=handle_violation_events)
    register_consumer(WEBHOOKS, types=RESTRICTION_CHANGES, batch_handler=handle_penalty_events)


def run_violations(batch_size=100):
    return process_new_events(VIOLATIONS, batch_size=batch_size)


def run_webhooks(batch_size=200):
    return process_new_events(WEBHOOKS, batch_size=batch_size)



