"""The labels of the merchant's violation tabs (cases.selectors.MERCHANT_TABS)."""
from django.utils.translation import gettext as _


def tab_labels():
    return {
        "new": _("New in 7 days"), "pending": _("Pending"), "appealing": _("Appealing"),
        "appeal_succeeded": _("Appeal succeeded"), "appeal_failed": _("Appeal failed"),
        "upheld": _("In effect"), "withdrawn": _("Withdrawn"),
    }
