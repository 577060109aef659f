"""On the data contract's worked example, the overview's status of every rate of every merchant agrees
with the cases the evaluation as of 2026-06-30 opened: the violation figure reaches the limit exactly
when a violation of that rate was recorded, the warning figure reaches warn_at exactly when a warning
was raised (or a violation stands for the period), and a rate reads "warning" only beside an open warning."""
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.models import OPEN_WARNING_STATES, RATE_RISK_POINTS, Violation, Warning
from metrics.models import Merchant
from portal.diagnosis import merchant_diagnosis
from tests.acceptance.example import EXAMPLES

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)


@pytest.fixture
def evaluated(settings):
    settings.RISKCASE_AFTER_METRICS = ["cases.evaluation.rules_evaluate"]  # as shipped; the suite pins []
    quiet = io.StringIO()
    call_command("ingest", str(EXAMPLES / "month.jsonl"), stdout=quiet)
    call_command("recompute", "--as-of", AS_OF.isoformat(), "--start", "2026-05-17", stdout=quiet)


def test_every_rate_status_agrees_with_the_cases_of_the_worked_example(evaluated):
    rates = [p.value for p in RATE_RISK_POINTS]
    violations = set(Violation.objects.filter(risk_point__in=rates, product_id="")
                     .values_list("merchant_id", "risk_point"))
    warnings = set(Warning.objects.filter(risk_point__in=rates, product_id="", as_of=AS_OF)
                   .values_list("merchant_id", "risk_point"))
    open_warnings = set(Warning.objects.filter(risk_point__in=rates, product_id="", state__in=OPEN_WARNING_STATES)
                        .values_list("merchant_id", "risk_point"))
    assert violations and warnings  # the example has both, so the comparison below means something
    checked = 0
    for merchant in Merchant.objects.all():
        diagnosis = merchant_diagnosis(merchant, today=AS_OF, now=timezone.now())
        assert diagnosis["as_of"] == AS_OF
        for rate in diagnosis["rates"]:
            key = (merchant.merchant_id, rate["rate"])
            if rate["status"] == "no_threshold":
                continue
            assert (rate["violation"]["status"] == "at_or_above") == (key in violations), key
            # A violation standing for an overlapping period stands in for the warning (README, reading 8).
            assert (rate["warning"]["status"] == "at_or_above") == (key in warnings or key in violations), key
            assert (rate["status"] == "over_limit") == (key in violations), key
            if rate["status"] == "warning":
                assert key in open_warnings, key
            if key in open_warnings:
                assert rate["status"] in {"warning", "over_limit"}, key
            checked += 1
    assert checked >= 3 * 10
