"""Statements of reasons built from the events: one per decision, valid against the JSON Schema kept in the
repository, merchants pseudonymised, as JSON Lines and CSV (command) and JSON (API, transparency:read)."""
import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import jsonschema
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import TestCase

from cases import services
from enforcement import consumers, statements
from enforcement.models import Penalty
from eventstore.actors import Actor
from eventstore.consumers import drain

from .conftest import make_user, service_client
from .test_admin_api_parity import _judgement

DAY = date(2026, 6, 10)
NOON = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)  # noon in Asia/Shanghai


def _drain():
    with TestCase.captureOnCommitCallbacks(execute=True):
        drain([consumers.VIOLATIONS])


@pytest.fixture
def decisions(merchant, settings, tmp_path):
    """On DAY: two violations (one by the rules, one opened by hand by a reviewer), a public warning and a
    restricted promotion imposed, an appeal upheld; the next day the other appeal overturns and lifts."""
    settings.MEDIA_ROOT = tmp_path
    reviewer = make_user("rita", "reviewer")
    with time_machine.travel(NOON, tick=False) as traveller:
        first = services.violation_record(**_judgement())
        _drain()
        second = services.case_open_by_hand(merchant_id="m-1", risk_point="public_opinion", actor=Actor.reviewer(
            reviewer), evidence_text="Press: Alpha Noodles sells spoiled food")
        _drain()
        for violation in (first, second):
            services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant("m-1"), statement="not us")
        decider = make_user("dora", "reviewer")
        services.appeal_decide(violation_id=first.pk, actor=Actor.reviewer(decider), accept=False, reasons="no")
        traveller.move_to(NOON + timedelta(days=1))
        services.appeal_decide(violation_id=second.pk, actor=Actor.reviewer(decider), accept=True, reasons="yes")
        _drain()
    return {"first": first, "second": second}


def _export(*args):
    out = io.StringIO()
    call_command("export_statements", *args, stdout=out)
    return out.getvalue()


def test_every_decision_of_the_period_has_one_valid_statement(decisions):
    rows = [json.loads(line) for line in _export("--since", "2026-06-10", "--until", "2026-06-11").splitlines()]

    validator = jsonschema.Draft202012Validator(statements.json_schema(), format_checker=jsonschema.FormatChecker())
    for row in rows:
        validator.validate(row)
    kinds = [(r["statement_kind"], r["outcome"]) for r in rows]
    assert kinds.count(("violation_recorded", "recorded")) == 2
    assert ("appeal_decided", "upheld") in kinds and ("appeal_decided", "overturned") in kinds
    imposed = [r for r in rows if r["statement_kind"] == "penalty_imposed"]
    lifted = [r for r in rows if r["statement_kind"] == "penalty_lifted"]
    assert len(imposed) == Penalty.objects.exclude(starts_at=None).count() == 2
    assert [r["outcome"] for r in lifted] == ["lifted:appeal_won"]
    by_rules = next(r for r in rows if r["case_id"] == str(decisions["first"].pk))
    by_hand = next(r for r in rows if r["case_id"] == str(decisions["second"].pk))
    assert (by_rules["automated_detection"], by_rules["automated_decision"]) == ("Yes", "AUTOMATED_DECISION_FULLY")
    assert (by_hand["automated_detection"], by_hand["automated_decision"]) == ("No", "AUTOMATED_DECISION_NOT_AUTOMATED")
    assert len({r["platform_uid"] for r in rows}) == len(rows)


def test_the_export_is_pseudonymous_and_stable(decisions):
    text = _export("--since", "2026-06-10", "--until", "2026-06-11")

    assert "m-1" not in text and "Alpha Noodles" not in text and "spoiled" not in text
    pseudonyms = {json.loads(line)["merchant_pseudonym"] for line in text.splitlines()}
    assert pseudonyms == {statements.pseudonym("m-1")}
    assert _export("--since", "2026-06-10", "--until", "2026-06-11") == text  # re-running gives the same


def test_the_pseudonym_depends_on_the_key(settings):
    settings.RISKCASE_PSEUDONYM_KEY = "one"
    first = statements.pseudonym("m-1")
    settings.RISKCASE_PSEUDONYM_KEY = "two"
    assert statements.pseudonym("m-1") != first


def test_the_period_is_by_platform_day(decisions):
    first_day = _export("--since", "2026-06-10", "--until", "2026-06-10")
    only_first_day = [json.loads(line) for line in first_day.splitlines()]
    assert {r["application_date"] for r in only_first_day} == {"2026-06-10"}
    assert "penalty_lifted" not in {r["statement_kind"] for r in only_first_day}
    assert _export("--since", "2026-06-12", "--until", "2026-06-30") == ""


def test_csv_has_one_row_per_statement_and_every_column(decisions, tmp_path):
    out = tmp_path / "sor.csv"
    call_command("export_statements", "--since", "2026-06-10", "--until", "2026-06-11", "--format", "csv",
                 "--out", str(out), stderr=io.StringIO())
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    jsonl = _export("--since", "2026-06-10", "--until", "2026-06-11").splitlines()

    assert len(rows) == len(jsonl)
    assert list(rows[0]) == statements.FIELDS
    assert [r["platform_uid"] for r in rows] == [json.loads(line)["platform_uid"] for line in jsonl]


def test_the_command_refuses_a_reversed_or_bad_period(db):
    with pytest.raises(CommandError, match="after"):
        _export("--since", "2026-06-11", "--until", "2026-06-10")
    with pytest.raises(CommandError):
        _export("--since", "0820-13-01", "--until", "2026-06-10")


def test_the_api_serves_the_statements_with_transparency_read_only(decisions):
    url = "/api/v1/transparency/statements/?since=2026-06-10&until=2026-06-11"
    allowed = service_client("transparency:read", name="regulator-feed").get(url)
    refused = service_client("cases:read", name="qa").get(url)

    assert refused.status_code == 403
    assert allowed.status_code == 200, allowed.content
    body = allowed.json()
    assert [r["platform_uid"] for r in body["results"]] == [
        json.loads(line)["platform_uid"]
        for line in _export("--since", "2026-06-10", "--until", "2026-06-11").splitlines()]
    bad = service_client("transparency:read", name="feed-2").get(
        "/api/v1/transparency/statements/?since=2026-06-11&until=2026-06-10")
    assert bad.status_code == 400
