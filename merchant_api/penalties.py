"""Penalties (处罚) as a merchant sees them. The enforcement app owns them; until it exposes a
selector, diagnosis/ lists no active penalties (the field is documented all the same) and there is
no penalties/ endpoint."""


def active_penalties(merchant_id, *, now):
    """The merchant's active penalties in the shape of serializers.PenaltySerializer: none yet."""
    return []
