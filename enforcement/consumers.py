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


def handle_violation_event(recorded):
    """Penalties follow the standing violations: a new one (with a protective ban when severe), and any
    overturn re-steps the merchant (enforcement.ladder)."""
    event = recorded.event
    if isinstance(event, ViolationRecorded):
        services.penalties_for_new_violation(violation_id=event.violation_id, now=recorded.recorded_at)
        return
    violation = Violation.objects.filter(pk=parse_stream(recorded.stream)[1]).values("merchant_id").first()
    if violation is None:
        return
    if isinstance(event, AppealDecided) and event.accepted:
        services.merchant_restep(merchant_id=violation["merchant_id"], reason=_("an appeal was accepted"))
    elif isinstance(event, ViolationWithdrawn):
        services.merchant_restep(merchant_id=violation["merchant_id"], reason=_("a violation was withdrawn"))


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
    register_consumer(VIOLATIONS, handle_violation_event,
                      types=[ViolationRecorded, AppealDecided, ViolationWithdrawn])
    register_consumer(WEBHOOKS, handle_penalty_event, types=RESTRICTION_CHANGES)


def run_violations(batch_size=100):
    return process_new_events(VIOLATIONS, batch_size=batch_size)


def run_webhooks(batch_size=200):
    return process_new_events(WEBHOOKS, batch_size=batch_size)



