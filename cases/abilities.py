"""Who may do what to a case, now: one rule per question, used by the services (under their lock),
the merchants' read model (portal) and admin, so the answer is the same everywhere."""
from django.utils import timezone

from .errors import AppealAlreadySubmitted, AppealWindowClosed, TransitionNotAllowed
from .models import ViolationState


def appeal_refusal(violation, *, appeal, now=None):
    """Why the merchant may not appeal `violation` now (the domain error to raise), or None.

    `appeal` is the violation's appeal or None (passed in, so a caller holding a lock or a prefetched
    row costs no query). One appeal per violation; only a pending violation inside its window."""
    now = now or timezone.now()
    if appeal is not None:
        return AppealAlreadySubmitted()
    if violation.state == ViolationState.UPHELD or (
            violation.state == ViolationState.PENDING and not violation.appeal_window_open(now)):
        return AppealWindowClosed(deadline=violation.appeal_deadline)
    if violation.state != ViolationState.PENDING:
        return TransitionNotAllowed()
    return None


def can_appeal(violation, *, appeal, now=None):
    """True when appeal_submit would take an appeal on this violation now."""
    return appeal_refusal(violation, appeal=appeal, now=now) is None


def ensure_can_appeal(violation, *, appeal, now=None):
    """Raise the refusal of appeal_refusal(), if any (the service guard)."""
    refusal = appeal_refusal(violation, appeal=appeal, now=now)
    if refusal is not None:
        raise refusal
