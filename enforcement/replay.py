"""Restrictions derived from the rebuilt penalties, for `manage.py replay` (eventstore.replay)."""
from eventstore.store import last_positions

from .models import Penalty, PenaltyState, Restriction
from .projections import restriction_for


def derive_restrictions(rows):
    """{Restriction: {merchant_id: row}} from the rebuilt Penalty rows: each merchant's active penalties
    folded at the position of its latest penalty event."""
    penalties = list(rows.get(Penalty, {}).values())
    positions = last_positions(p.stream for p in penalties)
    latest, active = {}, {}
    for p in penalties:
        latest[p.merchant_id] = max(latest.get(p.merchant_id, 0), positions.get(p.stream, 0))
        if p.state == PenaltyState.ACTIVE:
            active.setdefault(p.merchant_id, []).append(p)
    return {Restriction: {m: restriction_for(m, position, active.get(m, [])) for m, position in latest.items()}}
