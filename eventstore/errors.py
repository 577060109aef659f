"""The domain-error base: a command refused for a reason the user can act on.

Each error class carries its user-facing message and the HTTP status the API answers with, so one
translator serves the API (riskcase.api.exceptions) and one messages path serves admin and the pages.
"""
import django_fsm
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A command was refused for a reason the user can act on (HTTP 400 unless a subclass says otherwise)."""

    message = _("The action was refused.")
    status = 400
    code = "refused"

    def __init__(self, message=None, **context):
        self.context = context
        super().__init__(str(message or self.message))


class ConcurrencyError(DomainError):
    """A writer acted on a stale version: someone else changed the case first."""

    message = _("This case was changed by someone else in the meantime; reload it and try again.")
    status = 409
    code = "conflict"


class TransitionNotAllowed(DomainError, django_fsm.TransitionNotAllowed):
    """The aggregate is not in a state that allows this action."""

    message = _("This action is not allowed in the case's current state.")
    status = 409
    code = "not_allowed_now"


class NotPermitted(DomainError):
    """The actor may not do this (wrong kind of actor, missing permission, not their case)."""

    message = _("You are not allowed to do this.")
    status = 403
    code = "permission_denied"


class InvalidCommand(DomainError):
    """A required value is missing or malformed (a reason, a statement, a risk point)."""

    message = _("The request is incomplete or invalid.")
    status = 400
    code = "invalid"


class NotFound(DomainError):
    message = _("Not found.")
    status = 404
    code = "not_found"
