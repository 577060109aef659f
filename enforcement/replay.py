"""Rebuild the Penalty and Restriction projections from the penalty streams (for `manage.py replay`)."""
from cases.eventstore import read

from .models import Penalty, PenaltyState, Restriction
from .projections import apply, restriction_for

BATCH = 2000


def rebuild():
    """{Penalty: {pk: row}, Restriction: {pk: row}} folded from the log with the live code."""
    penalties, last_position = {}, {}
    after = 0
    while True:
        batch = read(after=after, limit=BATCH)
        if not batch:
            break
        for recorded in batch:
            after = recorded.position
            if not recorded.stream.startswith("penalty-"):
                continue
            penalty = apply(penalties.get(recorded.stream) or Penalty(), recorded)
            penalties[recorded.stream] = penalty
            last_position[penalty.merchant_id] = recorded.position
    restrictions = {}
    for merchant_id, position in last_position.items():
        active = [p for p in penalties.values() if p.merchant_id == merchant_id and p.state == PenaltyState.ACTIVE]
        restrictions[merchant_id] = restriction_for(merchant_id, position, active)
    return {Penalty: {p.pk: p for p in penalties.values()}, Restriction: restrictions}
