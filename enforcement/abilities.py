"""Who may approve or lift a penalty: one rule for the services (which enforce it under their lock) and
for admin (which shows only the buttons a reviewer may use).

A reversal needs the authority of the decision: lifting or vetoing a store removal takes two different
senior reviewers, like imposing it; lifting a product ban in force takes a senior reviewer.
"""
from django.utils.translation import gettext_lazy as _

from accounts.selectors import merchants_of
from cases.abilities import LinkedReviewer, is_linked, is_senior
from cases.errors import NotPermitted, TransitionNotAllowed

from .models import PenaltyKind, PenaltyState

LIFTABLE_STATES = (PenaltyState.PROPOSED, PenaltyState.ACTIVE)
OPEN_STATES = LIFTABLE_STATES


class SameReviewerTwice(NotPermitted):
    message = _("Store removal needs two different senior reviewers; you have already approved it.")


class SameReviewerTwiceToLift(NotPermitted):
    message = _("Lifting a store removal needs two different senior reviewers; you have already agreed to lift it.")


class SeniorOnlyReversal(NotPermitted):
    message = _("Only a senior reviewer may lift a store removal or a product ban.")


class RestingPenaltyBlocksWithdrawal(NotPermitted):
    message = _("A store removal rests on this violation: two senior reviewers must lift it before the violation "
                "can be withdrawn.")


def lift_approvals_needed(penalty):
    """How many different reviewers must agree before the penalty is lifted by hand."""
    return 2 if penalty.kind == PenaltyKind.STORE_REMOVAL or penalty.senior_only else 1


def needs_senior_to_lift(penalty):
    """A store removal, proposed or in force, and a product ban in force. A proposed product ban, or a
    protective ban not yet confirmed, is lifted with the authority that would confirm it (one reviewer)."""
    if penalty.kind == PenaltyKind.STORE_REMOVAL or penalty.senior_only:
        return True
    if penalty.protective and penalty.confirmed_by is None:
        return False
    return penalty.kind == PenaltyKind.PRODUCT_BAN and penalty.state == PenaltyState.ACTIVE


class ProposerCannotApprove(NotPermitted):
    message = _("You proposed this penalty: another reviewer must confirm it.")


class DiscretionaryPenaltyOpen(TransitionNotAllowed):
    message = _("A discretionary penalty is already open on this violation: lift it (with reasons) before "
                "proposing another step.")


SERIOUS_HAND_OPENED = ("public_opinion", "other")
OPEN_VIOLATION_STATES = ("pending", "appealing", "upheld", "appeal_failed")


def discretion_refusal(violation, user, *, open_discretionary=False):
    """A discretionary penalty: a reviewer who may open cases, on a serious hand-opened case that stands and
    has no discretionary penalty open yet (`open_discretionary`: one is proposed or active on it)."""
    if is_linked(user, violation.merchant_id):
        return LinkedReviewer()
    if not (user.has_perm("cases.open_case") and user.has_perm("enforcement.approve_penalty")):
        return NotPermitted()
    if violation.risk_point not in SERIOUS_HAND_OPENED:
        return NotPermitted(_("A discretionary penalty is for a serious case opened by hand (public opinion, "
                              "other); the rules' cases follow the ladder."))
    if violation.state not in OPEN_VIOLATION_STATES:
        return TransitionNotAllowed()
    if open_discretionary:
        return DiscretionaryPenaltyOpen()
    return None


class ReviewerAbilities:
    """A user's standing, worked out once (so a list of any length costs the same queries)."""

    def __init__(self, user):
        self.user = user
        self.can_approve = user.has_perm("enforcement.approve_penalty")
        self.can_lift = user.has_perm("enforcement.lift_penalty")
        self.is_senior = is_senior(user)
        self.merchants = merchants_of(user)

    def approval_refusal(self, penalty):
        """Why this user may not approve the penalty now (an error to raise), or None."""
        if penalty.merchant_id in self.merchants:
            return LinkedReviewer()
        if penalty.discretionary and penalty.proposed_by == f"reviewer:{self.user.pk}":
            return ProposerCannotApprove()
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

    def confirmation_refusal(self, penalty):
        """Confirming a protective severity ban: one reviewer with the approval permission."""
        if penalty.merchant_id in self.merchants:
            return LinkedReviewer()
        if not (penalty.protective and penalty.state == PenaltyState.ACTIVE and penalty.confirmed_by is None):
            return TransitionNotAllowed()
        if not self.can_approve:
            return NotPermitted()
        return None

    def may_confirm(self, penalty):
        return self.confirmation_refusal(penalty) is None

    def lift_refusal(self, penalty):
        """Why this user may not lift (or agree to lift) the penalty now, or None."""
        if penalty.merchant_id in self.merchants:
            return LinkedReviewer()
        if penalty.state not in LIFTABLE_STATES:
            return TransitionNotAllowed()
        if not self.can_lift:
            return NotPermitted()
        if needs_senior_to_lift(penalty) and not self.is_senior:
            return SeniorOnlyReversal()
        if self.user.pk in penalty.lift_approved_by:
            return SameReviewerTwiceToLift()
        return None

    def may_lift(self, penalty):
        return self.lift_refusal(penalty) is None


def withdrawal_guard(violation, user):
    """A registered cases withdrawal guard: withdrawing a violation lifts what rests on it, so it needs the
    authority of those penalties (a store removal is lifted first, by two seniors)."""
    from .models import Penalty

    resting = [p for p in Penalty.objects.filter(merchant_id=violation.merchant_id, state__in=OPEN_STATES)
               if str(violation.pk) in p.violation_ids]
    if any(lift_approvals_needed(p) > 1 for p in resting):
        return RestingPenaltyBlocksWithdrawal()
    if any(needs_senior_to_lift(p) for p in resting) and not is_senior(user):
        return SeniorOnlyReversal()
    return None
