"""violations/: the caller's violations (违规) by tab, and one with its merchant-visible timeline
and the statement of reasons of any decision."""
from datetime import timedelta

from django.core.files.base import ContentFile

from cases import services
from eventstore.actors import Actor
from tests.factories import appeal_reviewer, record_violation

from .conftest import NOW, assert_error

VIOLATIONS = "/api/v1/violations/"


def _appeal(violation, statement="We were closed that week."):
    return services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant(violation.merchant_id),
                                  statement=statement,
                                  files=[ContentFile(b"%PDF-1.4 lease", name="lease.pdf")])


def _decide(violation, accept, reasons):
    reviewer = appeal_reviewer()
    return services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(reviewer), accept=accept,
                                  reasons=reasons)


def test_the_list_shows_the_callers_violations_newest_first(api, merchant, frozen_now):
    older = record_violation(merchant, risk_point="complaint_rate")
    frozen_now.shift(60)
    newer = record_violation(merchant, risk_point="negative_review_rate")

    body = api.get(VIOLATIONS).json()

    assert [v["id"] for v in body["results"]] == [str(newer.pk), str(older.pk)]
    first = body["results"][0]
    assert (first["state"], first["state_label"], first["can_appeal"]) == ("pending", "Pending", True)
    assert first["appeal"] is None
    assert "timeline" not in first and "explanation" not in first


def test_each_tab_lists_its_violations(api, merchant, frozen_now):
    frozen_now.move_to(NOW - timedelta(days=8))
    old_pending = record_violation(merchant, risk_point="complaint_rate")
    appealed = record_violation(merchant, risk_point="negative_review_rate")
    _appeal(appealed)
    frozen_now.move_to(NOW)
    fresh = record_violation(merchant, risk_point="merchant_refund_rate")

    def tab(name):
        return [v["id"] for v in api.get(VIOLATIONS, {"tab": name}).json()["results"]]

    assert tab("new") == [str(fresh.pk)]
    assert tab("pending") == [str(fresh.pk), str(old_pending.pk)]
    assert tab("appealing") == [str(appealed.pk)]
    assert tab("appeal_succeeded") == [] and tab("appeal_failed") == []


def test_decided_appeals_land_in_their_tabs(api, merchant):
    won, lost = record_violation(merchant), record_violation(merchant, risk_point="negative_review_rate")
    _appeal(won), _appeal(lost)
    _decide(won, True, "The complaints were about another shop.")
    _decide(lost, False, "The evidence does not cover the window.")

    assert [v["id"] for v in api.get(VIOLATIONS, {"tab": "appeal_succeeded"}).json()["results"]] == [str(won.pk)]
    assert [v["id"] for v in api.get(VIOLATIONS, {"tab": "appeal_failed"}).json()["results"]] == [str(lost.pk)]


def test_an_unknown_tab_is_a_400_naming_the_field(api, merchant):
    error = assert_error(api.get(VIOLATIONS, {"tab": "everything"}), 400)

    assert list(error["fields"]) == ["tab"]


def test_the_detail_explains_the_violation_without_internal_rule_details(api, merchant):
    violation = record_violation(merchant, notified=True)

    body = api.get(f"{VIOLATIONS}{violation.pk}/").json()

    assert body["explanation"]["summary"] == (
        "Complaint rate from 2026-05-24 to 2026-06-22 was 6.00% (12 of 200 orders), at or above 5.00%.")
    assert "threshold_version" not in str(body)
    assert body["decision"] is None
    assert body["can_appeal"] is True
    assert body["appeal_deadline"] == (NOW + timedelta(days=7)).isoformat()
    assert body["appeal_window"] == "open"
    [recorded, delivered] = body["timeline"]
    assert (recorded["type"], recorded["actor"], recorded["actor_label"]) == ("recorded", "system", "Platform system")
    assert recorded["deadline"] is None
    assert delivered["type"] == "notice_delivered"
    assert delivered["deadline"] == body["appeal_deadline"] == "2026-07-07T12:00:00+08:00"


def test_a_violation_whose_notice_has_not_arrived_says_the_window_has_not_started(api, merchant):
    violation = record_violation(merchant)

    body = api.get(f"{VIOLATIONS}{violation.pk}/").json()

    assert (body["appeal_deadline"], body["notified_at"], body["appeal_window"]) == (None, None, "not_started")
    assert body["can_appeal"] is True
    assert "starts when its notice reaches you" in body["timeline"][0]["summary"]


def test_the_timeline_shows_the_appeal_and_the_decision_with_its_reasons(api, merchant, frozen_now):
    violation = record_violation(merchant)
    frozen_now.shift(3600)
    _appeal(violation, statement="We were closed that week.")
    frozen_now.shift(3600)
    _decide(violation, False, "The evidence does not cover the window.")

    body = api.get(f"{VIOLATIONS}{violation.pk}/").json()

    assert [e["type"] for e in body["timeline"]] == ["recorded", "appeal_submitted", "appeal_rejected"]
    submitted, decided = body["timeline"][1:]
    assert (submitted["actor"], submitted["statement"]) == ("merchant", "We were closed that week.")
    assert submitted["files"] == [{"name": "lease.pdf", "size": 14}]
    assert (decided["actor"], decided["actor_label"]) == ("platform_reviewer", "Platform reviewer")
    assert decided["reasons"] == "The evidence does not cover the window."
    assert body["decision"]["kind"] == "appeal_rejected"
    assert body["decision"]["reasons"] == "The evidence does not cover the window."
    assert body["appeal"]["decision"] == "rejected"
    assert body["appeal"]["files"] == [{"name": "lease.pdf", "size": 14}]


def test_the_timeline_never_names_the_reviewer_nor_shows_assignment(api, merchant):
    violation = record_violation(merchant)
    reviewer = appeal_reviewer(username="secret-rita")
    from django.contrib.auth.models import Permission

    reviewer.user_permissions.add(Permission.objects.get(codename="assign_case"))
    reviewer.user_permissions.add(Permission.objects.get(codename="withdraw_violation"))
    services.case_assign(case_id=violation.pk, assignee_id=reviewer.pk, actor=Actor.reviewer(reviewer))
    services.violation_withdraw(violation_id=violation.pk, actor=Actor.reviewer(reviewer),
                                reason="Recorded in error.")

    body = api.get(f"{VIOLATIONS}{violation.pk}/").json()
    text = str(body)

    assert "secret-rita" not in text and f"reviewer:{reviewer.pk}" not in text
    assert [e["type"] for e in body["timeline"]] == ["recorded", "withdrawn"]
    assert body["decision"] == {"kind": "withdrawn", "decided_at": body["closed_at"], "reasons": "Recorded in error.",
                                "decided_by": "platform_reviewer", "decided_by_label": "Platform reviewer"}


def test_a_lapsed_window_is_explained(api, merchant, frozen_now):
    frozen_now.move_to(NOW - timedelta(days=8))
    violation = record_violation(merchant, notified=True)
    frozen_now.move_to(NOW)
    services.violation_uphold_lapsed()

    body = api.get(f"{VIOLATIONS}{violation.pk}/").json()

    assert body["can_appeal"] is False
    assert body["decision"]["kind"] == "upheld"
    assert body["decision"]["reasons"] == "No appeal was submitted before the deadline."


def test_the_timeline_in_chinese(api, merchant):
    violation = record_violation(merchant)
    _appeal(violation)
    _decide(violation, True, "投诉针对的是另一家店。")

    body = api.get(f"{VIOLATIONS}{violation.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    summaries = [e["summary"] for e in body["timeline"]]
    assert summaries[2] == "申诉已通过，违规已撤销。"
    assert body["timeline"][2]["actor_label"] == "平台审核员"
    assert body["state_label"] == "申诉成功"
    assert body["decision"]["reasons"] == "投诉针对的是另一家店。"


def test_a_malformed_id_is_a_404(api, merchant):
    assert_error(api.get(f"{VIOLATIONS}nope/"), 404, "not_found")
