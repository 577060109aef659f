"""Enforcement's reactions to the event log, each a consumer with its own checkpoint (eventstore.consumers):
penalties follow violations, and every restriction change is queued for the downstream webhooks."""
from cases.events import AppealDecided, ViolationRecorded, ViolationWithdrawn
from eventstore.aggregates import EventContext
from eventstore.consumers import process_new_events, register_consumer
from eventstore.store import read
from eventstore.streams import parse_stream
from riskcase.lib.transactions import on_commit_once

from . import services
from .aggregates import PenaltyAggregate
from .events import PenaltyExpired, PenaltyImposed, PenaltyLifted
from .models import Penalty, PenaltyState, Restriction, WebhookDelivery, WebhookEndpoint
from .projections import restriction_for

VIOLATIONS = "enforcement.violations"
WEBHOOKS = "enforcement.webhooks"


def handle_violation_event(recorded):
    event = recorded.event
    violation_id = parse_stream(recorded.stream)[1]
    if isinstance(event, ViolationRecorded):
        services.penalty_propose_for_violation(violation_id=event.violation_id, now=recorded.recorded_at)
    elif isinstance(event, AppealDecided) and event.accepted:
        services.penalties_lift_for_violation(violation_id=violation_id, cause="appeal_won")
    elif isinstance(event, ViolationWithdrawn):
        services.penalties_lift_for_violation(violation_id=violation_id, cause="violation_withdrawn")


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
    on_commit_once(_deliver_after_commit)


def _deliver_after_commit():
    from .tasks import deliver_webhooks

    deliver_webhooks.delay()


def _active_at(merchant_id, position):
    """The merchant's penalties folded from their events up to `position` (rebuilt, not the live rows)."""
    streams = [p.stream for p in Penalty.objects.filter(merchant_id=merchant_id).only("id")]
    built = {}
    for recorded in read(streams=streams, until=position):
        aggregate = built.setdefault(recorded.stream, PenaltyAggregate())
        aggregate.apply(recorded.event, EventContext(recorded.occurred_at, recorded.actor))
    return [a.root for a in built.values() if a.root.state == PenaltyState.ACTIVE]


def register():
    register_consumer(VIOLATIONS, handle_violation_event,
                      types=[ViolationRecorded, AppealDecided, ViolationWithdrawn])
    register_consumer(WEBHOOKS, handle_penalty_event, types=[PenaltyImposed, PenaltyLifted, PenaltyExpired])


def run_violations(batch_size=100):
    return process_new_events(VIOLATIONS, batch_size=batch_size)


def run_webhooks(batch_size=200):
    return process_new_events(WEBHOOKS, batch_size=batch_size)



