"""Who may run which case command on which case, now: one rule per command.

The services check these rules under their lock (so a stale page or a forged POST is refused); admin
(and any other presentation) asks `CaseAbilities.commands(case)` which buttons to show, so the two can
never disagree. A reversal needs the authority of the decision it undoes. The cases app knows nothing
of what rests on a violation (penalties live downstream), so other apps register *withdrawal guards*:
a callable `guard(violation, user)` returning a DomainError to raise, or None.
"""
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from accounts.selectors import works_for

from .errors import (
    AppealAlreadySubmitted,
    AppealWindowClosed,
    NotPermitted,
    SameReviewer,
    TransitionNotAllowed,
)
from .models import ViolationState, WarningState

SENIOR_GROUP = "senior_reviewer"
OPEN_WARNING = (WarningState.OPEN, WarningState.ACKNOWLEDGED)
OPEN_VIOLATION = (ViolationState.PENDING, ViolationState.APPEALING)

_withdrawal_guards = []


def is_linked(user, merchant_id):
    """The user works for the merchant (as its staff): a conflict of interest on its cases and penalties."""
    return works_for(user, merchant_id)


class LinkedReviewer(NotPermitted):
    message = _("You work for this merchant: you cannot act on its cases or penalties.")


def register_withdrawal_guard(guard):
    """Called from an AppConfig.ready(); registering the same guard twice keeps one."""
    if guard not in _withdrawal_guards:
        _withdrawal_guards.append(guard)


def is_senior(user):
    return user.is_superuser or user.groups.filter(name=SENIOR_GROUP).exists()


class AppealDecidedSeniorOnly(NotPermitted):
    message = _("The appeal against this violation has been decided: only a senior reviewer other than the one "
                "who decided it may withdraw the violation.")


@dataclass(frozen=True)
class Command:
    """A command a reviewer can run on a case from admin: its name, button label and whether it takes
    a written reason (which the merchant will see)."""

    name: str
    label: str
    reason: bool = True


WARNING_COMMANDS = (Command("resolve", _("Resolve")), Command("dismiss", _("Dismiss")))
VIOLATION_COMMANDS = (Command("accept_appeal", _("Accept the appeal")),
                      Command("reject_appeal", _("Reject the appeal")), Command("withdraw", _("Withdraw")))


def _permission(user, perm):
    return None if user.has_perm(perm) else NotPermitted()


def resolve_refusal(warning, user):
    if is_linked(user, warning.merchant_id):
        return LinkedReviewer()
    if warning.state not in OPEN_WARNING:
        return TransitionNotAllowed()
    return _permission(user, "cases.resolve_warning")


def dismiss_refusal(warning, user):
    if is_linked(user, warning.merchant_id):
        return LinkedReviewer()
    if warning.state not in OPEN_WARNING:
        return TransitionNotAllowed()
    return _permission(user, "cases.dismiss_warning")


def assign_refusal(case, user):
    if is_linked(user, case.merchant_id):
        return LinkedReviewer()
    open_states = OPEN_WARNING if case.stream_prefix == "warning" else OPEN_VIOLATION
    if case.state not in open_states:
        return TransitionNotAllowed(_("A closed case is not assigned."))
    return _permission(user, "cases.assign_case")


def appeal_decision_refusal(violation, appeal, user):
    """Deciding an appeal: a reviewer with the permission, not the one who recorded the violation."""
    if is_linked(user, violation.merchant_id):
        return LinkedReviewer()
    if appeal is None or violation.state != ViolationState.APPEALING:
        return TransitionNotAllowed()
    refusal = _permission(user, "cases.decide_appeal")
    if refusal is None and violation.recorded_by_id is not None and violation.recorded_by_id == user.pk:
        return SameReviewer()
    return refusal


def withdrawal_refusal(violation, appeal, user):
    """Why `user` may not withdraw `violation` (whose appeal, if any, is `appeal`) now, or None."""
    if is_linked(user, violation.merchant_id):
        return LinkedReviewer()
    if not can_proceed(violation.withdraw, check_conditions=True):
        return TransitionNotAllowed()
    refusal = _permission(user, "cases.withdraw_violation")
    if refusal is not None:
        return refusal
    if appeal is not None and appeal.decision and (not is_senior(user) or appeal.decided_by_id == user.pk):
        return AppealDecidedSeniorOnly()
    for guard in _withdrawal_guards:
        refusal = guard(violation, user)
        if refusal is not None:
            return refusal
    return None


def appeal_refusal(violation, *, appeal, now=None):
    """Why the merchant may not appeal `violation` now (the domain error to raise), or None: the one rule
    the service guard, the merchants' API and pages (portal) all use.

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


class CaseAbilities:
    """A reviewer's commands on cases, for admin's buttons: the same rules the services enforce."""

    def __init__(self, user):
        self.user = user

    def refusal(self, case, command, appeal=None):
        if is_linked(self.user, case.merchant_id):
            return LinkedReviewer()
        if command == "resolve":
            return resolve_refusal(case, self.user)
        if command == "dismiss":
            return dismiss_refusal(case, self.user)
        if command in ("accept_appeal", "reject_appeal"):
            return appeal_decision_refusal(case, appeal, self.user)
        if command == "withdraw":
            return withdrawal_refusal(case, appeal, self.user)
        if command == "assign":
            return assign_refusal(case, self.user)
        return NotPermitted()

    def commands(self, case, appeal=None):
        """The commands this reviewer may run on `case` now, in button order."""
        menu = WARNING_COMMANDS if case.stream_prefix == "warning" else VIOLATION_COMMANDS
        return [c for c in menu if self.refusal(case, c.name, appeal) is None]
