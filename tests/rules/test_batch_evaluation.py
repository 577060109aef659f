"""An evaluation that records many cases at once (in batches through the services) leaves a log that verifies
and replays to the live tables: violations recorded, an open warning escalated, a warning no rule finds any
more resolved, each counted once."""
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from cases import services
from cases.evaluation import rules_evaluate
from cases.models import Violation, Warning
from eventstore.store import read

pytestmark = pytest.mark.django_db


def _command(name, *args):
    out = io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=out)
        return 0
    except SystemExit as exit_:
        return exit_.code


def _warning(merchant_id, risk_point, as_of):
    return services.warning_raise(
        merchant_id=merchant_id, risk_point=risk_point, window_start=as_of - timedelta(days=40),
        window_end=as_of - timedelta(days=11), value=Decimal("0.05"), threshold=Decimal("0.04"),
        explanation={"v": 1}, as_of=as_of - timedelta(days=10))


def test_a_night_of_many_cases_verifies_and_replays(make_merchant, make_metric, as_of):
    for n in range(6):
        make_merchant(f"m{n}")
        for back in range(40):
            make_metric(f"m{n}", as_of - timedelta(days=back), paid=30, verified=30, complaints=3)
    make_merchant("quiet")
    escalated = _warning("m0", "complaint_rate", as_of)
    stale = _warning("quiet", "negative_review_rate", as_of)

    summary = rules_evaluate(as_of)

    assert (summary.violations_recorded, summary.warnings_resolved) == (6, 1)
    assert Violation.objects.filter(risk_point="complaint_rate").count() == 6
    escalated.refresh_from_db()
    stale.refresh_from_db()
    assert (escalated.state, stale.state) == ("escalated", "resolved")
    [violation] = Violation.objects.filter(merchant_id="m0")
    assert list(violation.escalated_warnings.all()) == [escalated]
    assert read(f"warning-{escalated.pk}")[-1].metadata["causation_id"] == str(read(violation.stream)[0].position)
    assert len({read(v.stream)[0].metadata["correlation_id"] for v in Violation.objects.all()}) == 1
    assert not Warning.objects.filter(state="open").exists()
    assert _command("verify_audit") == 0
    assert _command("replay", "--verify") == 0

    again = rules_evaluate(as_of)
    assert (again.violations_recorded, again.warnings_raised, again.warnings_resolved) == (0, 0, 0)
    assert again.violations_overlapping == 6
