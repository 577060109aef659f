"""The restrictions read model: a merchant's active penalties folded into what downstream systems obey."""
from .models import Penalty, PenaltyState, Restriction
from .policy import restrictions_for


def restriction_for(merchant_id, position, penalties=None):
    """The Restriction row a merchant's active penalties imply, at event `position`."""
    if penalties is None:
        penalties = Penalty.objects.filter(merchant_id=merchant_id, state=PenaltyState.ACTIVE)
    fields = restrictions_for(penalties)
    return Restriction(merchant_id=merchant_id, position=position, **fields)
