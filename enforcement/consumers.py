"""Enforcement's reactions to the event log, each consumer by its own checkpoint (cases.consumers)."""
import uuid

from cases.consumers import process_new_events
from cases.eventstore import RecordedEvent, read
from cases.models import Event

from . import services
from .models import Penalty, PenaltyState, Restriction, WebhookDelivery, WebhookEndpoint
from .projections import apply, restriction_for

VIOLATIONS = "enforcement.violations"
WEBHOOKS = "enforcement.webhooks"
VIOLATION_TYPES = {"violation.recorded", "violation.appeal_decided", "violation.withdrawn"}
PENALTY_TYPES = {"penalty.imposed", "penalty.lifted", "penalty.expired"}


def _violation_id(event):
    return uuid.UUID(event.stream.removeprefix("violation-"))


def handle_violation_event(event):
    if event.type == "violation.recorded":
        services.penalty_propose_for_violation(violation_id=event.data["violation_id"], now=event.recorded_at)
    elif event.type == "violation.appeal_decided" and event.data.get("accepted"):
        services.penalties_lift_for_violation(violation_id=_violation_id(event), cause="appeal_won")
    elif event.type == "violation.withdrawn":
        services.penalties_lift_for_violation(violation_id=_violation_id(event), cause="violation_withdrawn")


def handle_penalty_event(event):
    """Queue one delivery per active endpoint for a restriction change (in the checkpoint's transaction)."""
    merchant_id = _merchant_of(event)
    row = Restriction.objects.filter(merchant_id=merchant_id).first()
    if row is None:
        return
    # The document as of this event, not as of now, so each change is told in order.
    penalties = _active_at(merchant_id, event.position)
    doc = restriction_for(merchant_id, event.position, penalties).document()
    for endpoint in WebhookEndpoint.objects.filter(active=True):
        WebhookDelivery.objects.get_or_create(endpoint=endpoint, position=event.position,
                                              defaults={"merchant_id": merchant_id, "payload": doc})


def _merchant_of(event):
    first = read(event.stream, limit=1)[0]
    return first.data["merchant_id"]


def _active_at(merchant_id, position):
    """The merchant's penalties folded from their events up to `position` (rebuilt, not the live rows)."""
    streams = [f"penalty-{pk}" for pk in Penalty.objects.filter(merchant_id=merchant_id).values_list("pk", flat=True)]
    built = {}
    for row in Event.objects.filter(stream__in=streams, pk__lte=position).order_by("pk"):
        ev = RecordedEvent.from_row(row)
        built[ev.stream] = apply(built.get(ev.stream) or Penalty(), ev)
    return [p for p in built.values() if p.state == PenaltyState.ACTIVE]


def run_violations(batch_size=100):
    return process_new_events(VIOLATIONS, handle_violation_event, types=VIOLATION_TYPES, batch_size=batch_size)


def run_webhooks(batch_size=200):
    return process_new_events(WEBHOOKS, handle_penalty_event, types=PENALTY_TYPES, batch_size=batch_size)
