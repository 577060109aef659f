"""Domain errors of the cases app, each with its message and HTTP status (eventstore.errors.DomainError)."""
from django.utils.translation import gettext_lazy as _

from eventstore.errors import (  # noqa: F401 - the base errors, raised by cases' services too
    ConcurrencyError,
    DomainError,
    InvalidCommand,
    NotFound,
    NotPermitted,
    TransitionNotAllowed,
)


class WarningAlreadyOpen(DomainError):
    """At most one open warning per merchant, risk point and product."""

    message = _("An open warning already exists for this merchant and risk point.")
    status = 409


class ViolationOverlaps(DomainError):
    """A new violation's window must not overlap the window of the last one for the same key."""

    message = _("A violation for an overlapping window has already been recorded.")
    status = 409


class AppealWindowClosed(DomainError):
    message = _("The appeal window for this violation has closed.")
    status = 409


class AppealAlreadySubmitted(DomainError):
    message = _("An appeal has already been submitted for this violation.")
    status = 409


class SameReviewer(DomainError):
    message = _("The reviewer who recorded a violation cannot decide its appeal.")
    status = 403


class EvidenceRejected(DomainError):
    message = _("An evidence file was rejected.")


class RangeInFuture(InvalidCommand):
    """A case's period ends after today (the API's code: range_in_future)."""

    message = _("The period of a case cannot end after today.")


class InvalidRange(InvalidCommand):
    """A period that starts after it ends (the API's code: invalid_range)."""

    message = _("The period cannot start after it ends.")
