"""Who may approve or lift a penalty: one rule for the services (which enforce it under their lock) and
for admin (which shows only the buttons a reviewer may use)."""
from django.utils.translation import gettext_lazy as _

from cases.errors import NotPermitted, TransitionNotAllowed

from .models import PenaltyState

SENIOR_GROUP = "senior_reviewer"
LIFTABLE_STATES = (PenaltyState.PROPOSED, PenaltyState.ACTIVE)


class SameReviewerTwice(NotPermitted):
    message = _("Store removal needs two different senior reviewers; you have already approved it.")


class ReviewerAbilities:
    """A user's standing, worked out once (so a list of any length costs the same queries)."""

    def __init__(self, user):
        self.user = user
        self.can_approve = user.has_perm("enforcement.approve_penalty")
        self.can_lift = user.has_perm("enforcement.lift_penalty")
        self.is_senior = user.is_superuser or user.groups.filter(name=SENIOR_GROUP).exists()

    def approval_refusal(self, penalty):
        """Why this user may not approve the penalty now (an error to raise), or None."""
        if penalty.state != PenaltyState.PROPOSED:
            return TransitionNotAllowed()
        if not self.can_approve:
            return NotPermitted()
        if penalty.senior_only and not self.is_senior:
            return NotPermitted(_("Only a senior reviewer may approve a store removal."))
        if self.user.pk in penalty.approved_by:
            return SameReviewerTwice()
        return None

    def may_approve(self, penalty):
        return self.approval_refusal(penalty) is None

    def may_lift(self, penalty):
        return self.can_lift and penalty.state in LIFTABLE_STATES
