"""Domain errors of the cases app: the API turns them into HTTP 400/403/409, the admin into messages."""
import django_fsm
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A command was refused for a reason the user can act on."""

    message = _("The action was refused.")

    def __init__(self, message=None, **context):
        self.context = context
        super().__init__(str(message or self.message))


class ConcurrencyError(DomainError):
    """A writer acted on a stale version: someone else changed the case first (HTTP 409)."""

    message = _("This case was changed by someone else in the meantime; reload it and try again.")


class TransitionNotAllowed(DomainError, django_fsm.TransitionNotAllowed):
    """The case is not in a state that allows this action."""

    message = _("This action is not allowed in the case's current state.")


class NotPermitted(DomainError):
    """The actor may not do this (wrong kind of actor, missing permission, not their case)."""

    message = _("You are not allowed to do this.")


class InvalidCommand(DomainError):
    """A required value is missing or malformed (a reason, a statement, a risk point)."""

    message = _("The request is incomplete or invalid.")


class WarningAlreadyOpen(DomainError):
    """At most one open warning per merchant, risk point and product."""

    message = _("An open warning already exists for this merchant and risk point.")


class ViolationOverlaps(DomainError):
    """A new violation's window must not overlap the window of the last one for the same key."""

    message = _("A violation for an overlapping window has already been recorded.")


class AppealWindowClosed(DomainError):
    message = _("The appeal window for this violation has closed.")


class AppealAlreadySubmitted(DomainError):
    message = _("An appeal has already been submitted for this violation.")


class SameReviewer(DomainError):
    message = _("The reviewer who recorded a violation cannot decide its appeal.")


class EvidenceRejected(DomainError):
    message = _("An evidence file was rejected.")
