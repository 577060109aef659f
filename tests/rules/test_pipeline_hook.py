"""The rules run right after the metrics: `manage.py recompute` (and the nightly chord) evaluate them."""
import importlib
import io

from django.core.management import call_command

from cases.models import Warning


def test_the_shipped_settings_run_the_rule_evaluation_after_the_metrics():
    shipped = importlib.import_module("riskcase.settings")  # the suite pins the setting to [] elsewhere
    assert "cases.evaluation.rules_evaluate" in shipped.RISKCASE_AFTER_METRICS


def test_recompute_evaluates_the_rules_on_the_metrics_it_just_stored(settings, complaints_on, as_of):
    settings.RISKCASE_AFTER_METRICS = ["cases.evaluation.rules_evaluate"]
    complaints_on(as_of, 5)
    out = io.StringIO()
    call_command("recompute", "--as-of", as_of.isoformat(), stdout=out)
    assert f"rules as of {as_of}" in out.getvalue()
    assert Warning.objects.get().risk_point == "clustered_complaints"
