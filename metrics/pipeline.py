"""What follows the metrics in the nightly pipeline. The rule evaluation of `cases` hooks in here."""
from django.conf import settings
from django.utils.module_loading import import_string


def after_metrics_as_of(as_of, report=None):
    """Run every step configured in RISKCASE_AFTER_METRICS (dotted callables taking as_of)."""
    for path in settings.RISKCASE_AFTER_METRICS:
        summary = import_string(path)(as_of)
        if report and summary:
            report(str(summary))
