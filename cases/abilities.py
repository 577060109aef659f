"""Who may run which case command, now: one rule each, checked by the services under their lock.

A reversal needs the authority of the decision it undoes. The cases app knows nothing of what rests on a
violation (penalties live downstream), so other apps register *withdrawal guards* here: a callable
`guard(violation, user)` returning a DomainError to raise, or None.
"""
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from .errors import NotPermitted, TransitionNotAllowed

SENIOR_GROUP = "senior_reviewer"

_withdrawal_guards = []


def register_withdrawal_guard(guard):
    """Called from an AppConfig.ready(); registering the same guard twice keeps one."""
    if guard not in _withdrawal_guards:
        _withdrawal_guards.append(guard)


def is_senior(user):
    return user.is_superuser or user.groups.filter(name=SENIOR_GROUP).exists()


class AppealDecidedSeniorOnly(NotPermitted):
    message = _("The appeal against this violation has been decided: only a senior reviewer other than the one "
                "who decided it may withdraw the violation.")


def withdrawal_refusal(violation, appeal, user):
    """Why `user` may not withdraw `violation` (whose appeal, if any, is `appeal`) now, or None."""
    if not can_proceed(violation.withdraw, check_conditions=True):
        return TransitionNotAllowed()
    if appeal is not None and appeal.decision:
        if not is_senior(user) or appeal.decided_by_id == user.pk:
            return AppealDecidedSeniorOnly()
    for guard in _withdrawal_guards:
        refusal = guard(violation, user)
        if refusal is not None:
            return refusal
    return None
