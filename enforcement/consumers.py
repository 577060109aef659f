"""Enforcement's reactions to the event log, each a consumer with its own checkpoint (eventstore.consumers):
penalties follow violations, and every restriction change is queued for the downstream webhooks."""
from django.utils.translation import gettext as _

from cases.events import AppealDecided, ViolationRecorded, ViolationWithdrawn
from cases.models import Violation
from eventstore.aggregates import EventContext
from eventstore.consumers import process_new_events, register_consumer
from eventstore.store import read
from eventstore.streams import parse_stream
from riskcase.ops.enqueue import on_commit_once

from . import services
from .aggregates import PenaltyAggregate
from .events import PenaltyExpired, PenaltyImposed, PenaltyLifted
from .models import Penalty, PenaltyState, Restriction, WebhookDelivery, WebhookEndpoint
from .projections import restriction_for

VIOLATIONS = "enforcement.violations"
WEBHOOKS = "enforcement.webhooks"
RESTRICTION_CHANGES = (PenaltyImposed, PenaltyLifted, PenaltyExpired)  # what downstream systems are told of


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


def handle_penalty_event(recorded):
    """Queue one delivery per active endpoint for a restriction change (in the checkpoint's transaction);
    they are sent after commit (enforcement.tasks.deliver_webhooks), never inside it."""
    merchant_id = read(recorded.stream, limit=1)[0].event.merchant_id
    if not Restriction.objects.filter(merchant_id=merchant_id).exists():
        return
    # The document as of this event, not as of now, so each change is told in order.
    doc = restriction_for(merchant_id, recorded.position, _active_at(merchant_id, recorded.position)).document()
    for endpoint in WebhookEndpoint.objects.filter(active=True):
        WebhookDelivery.objects.get_or_create(endpoint=endpoint, position=recorded.position,
                                              defaults={"merchant_id": merchant_id, "payload": doc})
    from .tasks import deliver_webhooks  # tasks imports this module

    on_commit_once(deliver_webhooks)


def _active_at(merchant_id, position):
    """The merchant's penalties folded from their events up to `position` (rebuilt, not the live rows)."""
    streams = [p.stream for p in Penalty.objects.filter(merchant_id=merchant_id).only("id")]
    built = {}
    for recorded in read(streams=streams, until=position):
        aggregate = built.setdefault(recorded.stream, PenaltyAggregate())
        aggregate.apply(recorded.event, EventContext(recorded.occurred_at, recorded.actor))
    return [a.root for a in built.values() if a.root.state == PenaltyState.ACTIVE]


def register():
    register_consumer(VIOLATIONS, types=[ViolationRecorded, AppealDecided, ViolationWithdrawn],
                      batch_handler=handle_violation_events)
    register_consumer(WEBHOOKS, handle_penalty_event, types=RESTRICTION_CHANGES)


def run_violations(batch_size=100):
    return process_new_events(VIOLATIONS, batch_size=batch_size)


def run_webhooks(batch_size=200):
    return process_new_events(WEBHOOKS, batch_size=batch_size)



