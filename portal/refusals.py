"""What a merchant is told when a command on a case is refused: one wording for the API (a 409 with a
code) and the pages (a form error or a message), so the two never drift apart."""
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.errors import AppealAlreadySubmitted, AppealWindowClosed, ConcurrencyError, TransitionNotAllowed

REFUSED_APPEAL = (AppealWindowClosed, AppealAlreadySubmitted, TransitionNotAllowed, ConcurrencyError)
REFUSED_ACKNOWLEDGE = (TransitionNotAllowed, ConcurrencyError)


def appeal_refusal(error, violation):
    """(code, message) for a refused appeal on `violation`."""
    if isinstance(error, AppealWindowClosed):
        deadline = date_format(timezone.localtime(violation.appeal_deadline), "Y-m-d H:i")
        return "appeal_window_closed", _(
            "The appeal window closed at %(deadline)s; this violation can no longer be appealed.") % {
            "deadline": deadline}
    if isinstance(error, AppealAlreadySubmitted):
        return "appeal_already_submitted", _(
            "This violation has already been appealed; each violation can be appealed once.")
    if isinstance(error, ConcurrencyError):
        return "concurrency_error", _("This violation was changed in the meantime; reload it and try again.")
    return "transition_not_allowed", _("Only a pending violation can be appealed.")


def acknowledge_refusal(error):
    """(code, message) for a refused acknowledgement of a warning."""
    if isinstance(error, ConcurrencyError):
        return "concurrency_error", _("This warning was changed in the meantime; reload it and try again.")
    return "transition_not_allowed", _("This warning is not open any more, so it cannot be acknowledged.")
