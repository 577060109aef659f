"""penalties/: the caller's penalties in force and past ones, with what they restrict and why; another
merchant's are invisible; diagnosis/ lists those in force. Penalties are made the real way: violations
recorded through the cases services, then the enforcement consumer (what the Celery task runs)."""
from datetime import timedelta

from django.contrib.auth.models import Permission

from cases import services
from enforcement import consumers
from enforcement.models import Penalty
from eventstore.actors import Actor
from tests.factories import UserFactory, appeal_reviewer, record_violation

from .conftest import assert_error, client_for

PENALTIES = "/api/v1/penalties/"
# The token, the user's other tokens, the membership, one page of penalties, the violations behind them.
PENALTY_LIST_QUERIES = 5


def drain():
    while consumers.run_violations():
        pass


def withdrawing_reviewer():
    user = UserFactory(username="wendy", is_staff=True)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="cases", codename="withdraw_violation"))
    return user


def penalised(merchant, **kwargs):
    violation = record_violation(merchant, **kwargs)
    drain()
    # violation_ids is a JSON list: found in Python, as JSON containment differs between SQLite and PostgreSQL.
    penalty = next(p for p in Penalty.objects.filter(merchant_id=merchant.merchant_id)
                   if str(violation.pk) in p.violation_ids)
    return violation, penalty


def test_a_merchant_sees_its_penalty_in_force_and_one_lifted_on_appeal_with_their_reasons(api, merchant):
    first, warning = penalised(merchant, risk_point="complaint_rate")
    second, promotion = penalised(merchant, risk_point="negative_review_rate")
    services.appeal_submit(violation_id=second.pk, actor=Actor.merchant(merchant.merchant_id), statement="No.")
    services.appeal_decide(violation_id=second.pk, actor=Actor.reviewer(appeal_reviewer()), accept=True,
                           reasons="The reviews were fake.")
    drain()

    listed = api.get(PENALTIES).json()["results"]
    by_id = {p["id"]: p for p in listed}
    assert set(by_id) == {str(warning.pk), str(promotion.pk)}

    active = by_id[str(warning.pk)]
    assert (active["kind"], active["status"], active["state"], active["scope"]) == (
        "public_warning", "active", "active", "store")
    assert [r["code"] for r in active["restrictions"]] == ["public_warning"]
    assert active["ends_at"] is not None and active["end_cause"] is None and active["end_reason"] == ""
    assert [(v["id"], v["risk_point"]) for v in active["violations"]] == [(str(first.pk), "complaint_rate")]
    assert "Complaint rate" in active["reasons"]

    past = by_id[str(promotion.pk)]
    assert (past["kind"], past["status"], past["state"], past["end_cause"]) == (
        "restricted_promotion", "past", "lifted", "appeal_won")
    assert [r["code"] for r in past["restrictions"]] == ["no_creator_matchmaking", "no_ads", "no_campaigns"]
    assert "appeal" in past["end_reason"] and past["ended_at"] is not None
    assert [(v["id"], v["state"]) for v in past["violations"]] == [(str(second.pk), "appeal_succeeded")]

    assert [p["id"] for p in api.get(PENALTIES, {"status": "active"}).json()["results"]] == [str(warning.pk)]
    assert [p["id"] for p in api.get(PENALTIES, {"status": "past"}).json()["results"]] == [str(promotion.pk)]
    assert api.get(f"{PENALTIES}{promotion.pk}/").json() == past


def test_a_penalty_past_its_end_is_past_before_the_expiry_task_runs(staff, merchant, frozen_now):
    _, warning = penalised(merchant)
    frozen_now.shift(timedelta(days=8))  # public warning: 7 days
    api = client_for(staff)  # a token of the day (they expire after 12 hours)

    body = api.get(f"{PENALTIES}{warning.pk}/").json()

    assert (body["status"], body["end_cause"]) == ("past", "expired")
    assert api.get(PENALTIES, {"status": "active"}).json()["results"] == []


def test_a_penalty_reasons_are_explained_in_chinese(api, merchant):
    _, warning = penalised(merchant)

    body = api.get(f"{PENALTIES}{warning.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    assert body["kind_label"] == "公示警告"
    assert body["restrictions"][0]["label"].startswith("公示警告")


def test_another_merchants_penalty_is_a_404_and_not_listed(api, other_api, merchant, other_merchant):
    _, mine = penalised(merchant)
    _, theirs = penalised(other_merchant)

    assert_error(api.get(f"{PENALTIES}{theirs.pk}/"), 404, "not_found")
    assert [p["id"] for p in api.get(PENALTIES).json()["results"]] == [str(mine.pk)]
    assert [p["id"] for p in other_api.get(PENALTIES).json()["results"]] == [str(theirs.pk)]


def test_a_malformed_status_is_a_400(api, merchant):
    assert_error(api.get(PENALTIES, {"status": "soon"}), 400)


def test_diagnosis_lists_the_penalties_in_force(api, merchant):
    first, warning = penalised(merchant, risk_point="complaint_rate")
    second, promotion = penalised(merchant, risk_point="negative_review_rate")
    services.violation_withdraw(violation_id=second.pk, actor=Actor.reviewer(withdrawing_reviewer()),
                                reason="Recorded in error.")
    drain()

    penalties = api.get("/api/v1/diagnosis/").json()["penalties"]

    assert [(p["id"], p["kind"], p["violation_id"]) for p in penalties] == [
        (str(warning.pk), "public_warning", str(first.pk))]
    assert Penalty.objects.get(pk=promotion.pk).state == "lifted"


def test_penalty_list_queries_do_not_grow_with_penalties(api, merchant, django_assert_max_num_queries):
    reviewer = withdrawing_reviewer()
    points = ["complaint_rate", "negative_review_rate", "merchant_refund_rate", "clustered_complaints",
              "service_not_provided"]

    def lifted_penalty(i):
        # Recorded then withdrawn: each earns the first step again, lifted, so every one is listed.
        violation, _ = penalised(merchant, risk_point=points[i % len(points)], product_id=f"p-{i}")
        services.violation_withdraw(violation_id=violation.pk, actor=Actor.reviewer(reviewer), reason="Error.")
        drain()

    lifted_penalty(0)
    with django_assert_max_num_queries(PENALTY_LIST_QUERIES):
        assert len(api.get(PENALTIES).json()["results"]) == 1

    for i in range(1, 25):
        lifted_penalty(i)
    with django_assert_max_num_queries(PENALTY_LIST_QUERIES):
        assert len(api.get(PENALTIES).json()["results"]) == 25
    with django_assert_max_num_queries(PENALTY_LIST_QUERIES):
        assert len(api.get(PENALTIES, {"status": "past"}).json()["results"]) == 25


def test_what_a_penalty_restricts_is_worked_out_once_per_kind_product_and_weight_as_the_fold_says():
    """restrictions_of remembers its codes by (kind, product, traffic weight): every other field the fold reads
    (step, basis, end, id) changes nothing in them, for every kind, with and without a product, at any weight."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from enforcement.models import PenaltyKind
    from portal import penalties

    penalties._codes.clear()
    for kind in PenaltyKind.values:
        for product in ("", "p-1"):
            for weight in (Decimal("0.50"), Decimal("1.00")):
                for step, protective, discretionary, ends_at in ((1, False, False, None), (3, True, False, datetime(
                        2026, 7, 1, tzinfo=UTC)), (2, False, True, None)):
                    penalty = Penalty(kind=kind, product_id=product, traffic_weight=weight, step=step,
                                      protective=protective, discretionary=discretionary, ends_at=ends_at)
                    assert penalties.restrictions_of(penalty) == list(penalties._restriction_codes(penalty)), (
                        kind, product, weight, step)
    assert len(penalties._codes) == len(PenaltyKind.values) * 2 * 2


def test_a_lifted_penalty_reason_is_in_the_language_asked_for(api, merchant):
    """describe()'s sentences are translated once per language: a page in Chinese after one in English."""
    violation, penalty = penalised(merchant)
    services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant(merchant.merchant_id), statement="Not ours.")
    services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(appeal_reviewer()), accept=True,
                           reasons="checked")
    drain()
    english = api.get(f"{PENALTIES}{penalty.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = api.get(f"{PENALTIES}{penalty.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert english["end_cause"] == chinese["end_cause"] == "appeal_won"
    assert english["end_reason"].startswith("Lifted: your appeal")
    assert chinese["end_reason"] != english["end_reason"] and not chinese["end_reason"].isascii()
    assert english["reasons"].startswith("Imposed for a violation") and not chinese["reasons"].isascii()
