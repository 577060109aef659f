"""The transparency report: its figures (from the events) equal counts computed independently from the
projections; JSON and CSV agree; the senior reviewers' page shows it with a chart."""
import csv
import io
import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from statistics import median

import pytest
import time_machine
from django.test import Client, TestCase
from django.utils import timezone

from cases import services
from cases.models import Appeal, Violation, ViolationState, Warning
from enforcement import consumers, transparency
from enforcement.models import Penalty
from eventstore.actors import Actor
from eventstore.consumers import drain
from tests.factories import MerchantFactory

from .conftest import make_user, service_client
from .test_admin_api_parity import _judgement

START = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai
SINCE, UNTIL = date(2026, 6, 10), date(2026, 6, 12)


def _drain():
    with TestCase.captureOnCommitCallbacks(execute=True):
        drain([consumers.VIOLATIONS])


@pytest.fixture
def history(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    MerchantFactory(merchant_id="m-1", category="food")
    MerchantFactory(merchant_id="m-2", category="beauty")
    reviewer, decider = make_user("rita", "reviewer"), make_user("dora", "senior_reviewer")
    with time_machine.travel(START - timedelta(days=2), tick=False) as traveller:
        services.violation_record(**_judgement(merchant_id="m-2"))  # before the period: not counted
        _drain()
        traveller.move_to(START)
        for merchant_id in ("m-1", "m-1", "m-2"):
            services.warning_raise(**_judgement(merchant_id=merchant_id, value="0.045", threshold="0.04"))
        services.warning_raise(**_judgement(merchant_id="m-2", risk_point="negative_review_rate", value="0.045",
                                            threshold="0.04"))
        recorded = [services.violation_record(**_judgement(merchant_id=m)) for m in ("m-1", "m-1", "m-2", "m-2")]
        recorded.append(services.violation_record(**_judgement(merchant_id="m-1", risk_point="negative_review_rate")))
        _drain()
        by_hand = services.case_open_by_hand(merchant_id="m-2", risk_point="public_opinion",
                                             actor=Actor.reviewer(reviewer), evidence_text="press")
        by_service = services.case_open_by_hand(merchant_id="m-1", risk_point="other",
                                                actor=Actor.service("opinion-monitor"), evidence_text="feed")
        _drain()
        for violation in recorded[:4] + [by_hand]:
            services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant(violation.merchant_id),
                                   statement="not us")
        for hours, violation, accept in ((5, recorded[0], True), (30, recorded[1], False), (7, recorded[2], False),
                                         (50, by_hand, True)):
            traveller.move_to(START + timedelta(hours=hours))
            services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(decider), accept=accept,
                                   reasons="checked")
            _drain()
        services.violation_withdraw(violation_id=by_service.pk, actor=Actor.reviewer(decider), reason="duplicate")
        _drain()
        traveller.move_to(datetime(2026, 6, 13, 1, 0, tzinfo=UTC))  # after the period: not counted
        services.appeal_decide(violation_id=recorded[3].pk, actor=Actor.reviewer(decider), accept=True, reasons="ok")
        _drain()


def _in_period(moment):
    return moment is not None and SINCE <= timezone.localtime(moment).date() <= UNTIL


def test_the_figures_equal_counts_from_the_projections(history):
    figures = transparency.report(since=SINCE, until=UNTIL)

    warnings = Counter((w.risk_point, w.merchant.category) for w in Warning.objects.all() if _in_period(w.opened_at))
    violations = [v for v in Violation.objects.all() if _in_period(v.opened_at)]
    per_violation = Counter((v.risk_point, v.merchant.category) for v in violations)
    assert {(r["risk_point"], r["category"]): (r["warnings"], r["violations"]) for r in figures["cases"]} == {
        key: (warnings[key], per_violation[key]) for key in warnings.keys() | per_violation.keys()}
    assert figures["violations"] == len(violations) == 7
    assert figures["detected_automatically"] == sum(v.recorded_by_kind in ("system", "service") for v in violations)
    assert figures["decided_automatically"] == sum(v.recorded_by_kind == "system" for v in violations) == 5

    appeals = list(Appeal.objects.all())
    decided = [a for a in appeals if _in_period(a.decided_at)]
    assert figures["appeals"] == {
        "received": sum(_in_period(a.submitted_at) for a in appeals),
        "upheld": sum(a.decision == "rejected" for a in decided),
        "overturned": sum(a.decision == "accepted" for a in decided)}
    assert figures["appeals"] == {"received": 5, "upheld": 2, "overturned": 2}
    hours = sorted((a.decided_at - a.submitted_at).total_seconds() / 3600 for a in decided)
    assert figures["hours_to_decide_appeal"] == {"count": 4, "median": median(hours),
                                                 "p90": hours[math.ceil(0.9 * len(hours)) - 1]}
    assert figures["hours_to_decide_appeal"]["median"] == 18.5

    imposed = Counter((p.step, p.kind) for p in Penalty.objects.all() if _in_period(p.starts_at))
    assert {(r["step"], r["kind"]): r["imposed"] for r in figures["penalties_per_step"]} == dict(imposed)
    lifted = Counter(f"penalty_lifted:{p.lift_cause}" for p in Penalty.objects.all()
                     if p.lift_cause and _in_period(p.closed_at))
    withdrawn = sum(v.state == ViolationState.WITHDRAWN and _in_period(v.closed_at) for v in Violation.objects.all())
    assert figures["reversals"] == {**lifted, "violation_withdrawn": withdrawn, "appeal_overturned": 2}


def test_re_running_a_past_period_gives_the_same_figures(history):
    before = transparency.report(since=SINCE, until=UNTIL)
    services.violation_record(**_judgement(merchant_id="m-1"))  # today, outside the period
    assert transparency.report(since=SINCE, until=UNTIL) == before


def test_json_and_csv_over_the_api_agree(history):
    client = service_client("transparency:read", name="regulator")
    query = {"since": "2026-06-10", "until": "2026-06-12"}
    body = client.get("/api/v1/transparency/report/", query).json()
    text = client.get("/api/v1/transparency/report/csv/", query).content.decode()
    rows = {(r["section"], r["key"]): r["value"] for r in csv.DictReader(io.StringIO(text))}

    assert body == transparency.report(since=SINCE, until=UNTIL) | {"since": "2026-06-10", "until": "2026-06-12"}
    assert rows[("appeals", "received")] == str(body["appeals"]["received"])
    assert rows[("violations", "complaint_rate/food")] == str(
        next(r["violations"] for r in body["cases"] if (r["risk_point"], r["category"]) == ("complaint_rate", "food")))
    assert service_client("cases:read", name="qa").get("/api/v1/transparency/report/", query).status_code == 403


def test_the_page_is_for_senior_reviewers_and_draws_the_chart(history):
    senior, reviewer = Client(), Client()
    senior.force_login(make_user("sam", "senior_reviewer"))
    reviewer.force_login(make_user("ron", "reviewer"))

    page = senior.get("/review/transparency/", {"since": "2026-06-10", "until": "2026-06-12"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="bar" data-label="complaint_rate" data-value="4"' in html
    refused = reviewer.get("/review/transparency/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    assert "<h1>Not allowed</h1>" in refused.content.decode()  # a page that says what to do, not a bare 403
    assert "无权访问" in reviewer.get("/review/transparency/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    reversed_period = senior.get("/review/transparency/", {"since": "2026-06-12", "until": "2026-06-10"})
    assert "errorlist" in reversed_period.content.decode()
