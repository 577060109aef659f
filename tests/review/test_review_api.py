"""The reviewers' API: login, queues with admin's filters, a case with its events, commands through the
services with 409 on a stale version and Idempotency-Key, and platform systems opening cases."""
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Violation, ViolationState, Warning, WarningState
from eventstore.store import read
from review_api.models import IdempotencyKey
from tests.notice import recorded_ahead_of

from .conftest import knox_client, service_client

PDF = b"%PDF-1.4 evidence"


def test_a_reviewer_logs_in_for_their_own_token_and_a_merchant_cannot(reviewer, as_merchant, db):
    from rest_framework.test import APIClient

    from tests.factories import MembershipFactory

    response = APIClient().post("/api/v1/review/auth/login/", {"username": "rita", "password": "pw"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["groups"] == ["reviewer"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/review/warnings/").status_code == 200

    staff = MembershipFactory().user
    refused = APIClient().post("/api/v1/review/auth/login/", {"username": staff.username,
                                                              "password": "correct horse battery staple"})
    assert refused.status_code == 400
    assert knox_client(staff).get("/api/v1/review/warnings/").status_code == 403


def test_a_staff_user_outside_the_reviewer_groups_is_refused(outsider):
    assert knox_client(outsider).get("/api/v1/review/violations/").status_code == 403


def test_queues_filter_as_admin_does(reviewer, raise_warning, record_violation, merchant):
    from tests.factories import MerchantFactory

    MerchantFactory(merchant_id="m-2", category="beauty")
    raise_warning()
    raise_warning(merchant_id="m-2")
    raise_warning(risk_point="negative_review_rate")
    record_violation()
    client = knox_client(reviewer)

    def ids(url):
        response = client.get(url)
        assert response.status_code == 200, response.content
        return [row["merchant_id"] for row in response.json()["results"]]

    assert sorted(ids("/api/v1/review/warnings/")) == ["m-1", "m-1", "m-2"]
    assert ids("/api/v1/review/warnings/?category=beauty") == ["m-2"]
    assert ids("/api/v1/review/warnings/?merchant=m-1&state=open") == ["m-1"]
    assert ids("/api/v1/review/violations/?state=pending") == ["m-1"]
    assert ids("/api/v1/review/violations/?assignee=none") == ["m-1"]
    assert ids("/api/v1/review/violations/?assignee=me") == []
    bad = client.get("/api/v1/review/warnings/?state=nonsense")
    assert bad.status_code == 400 and "state" in bad.json()["error"]["fields"]


def test_a_case_comes_with_its_events_and_the_commands_the_reviewer_may_run(reviewer, auditor, raise_warning):
    warning = raise_warning()

    body = knox_client(reviewer).get(f"/api/v1/review/cases/{warning.pk}/").json()

    assert body["kind"] == "warning" and body["case"]["id"] == str(warning.pk)
    assert [e["type"] for e in body["events"]] == [e.type for e in read(warning.stream)]
    assert body["commands"] == ["resolve", "dismiss", "assign"]
    assert knox_client(auditor).get(f"/api/v1/review/cases/{warning.pk}/").json()["commands"] == []


def test_a_stale_expected_version_is_a_409_and_changes_nothing(reviewer, raise_warning):
    warning = raise_warning()
    client = knox_client(reviewer)

    response = client.post(f"/api/v1/review/cases/{warning.pk}/dismiss/",
                           {"reason": "raised in error", "expected_version": warning.version + 5}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "concurrency_error"
    warning.refresh_from_db()
    assert warning.state == WarningState.OPEN
    ok = client.post(f"/api/v1/review/cases/{warning.pk}/dismiss/",
                     {"reason": "raised in error", "expected_version": warning.version}, format="json")
    assert ok.status_code == 200 and ok.json()["case"]["state"] == "dismissed"


def test_idempotency_key_replays_the_first_response_and_runs_nothing_again(reviewer, raise_warning):
    warning = raise_warning()
    client = knox_client(reviewer)
    url = f"/api/v1/review/cases/{warning.pk}/resolve/"

    first = client.post(url, {"reason": "back under"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(url, {"reason": "back under"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = client.post(url, {"reason": "something else"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert other.status_code == 422
    assert [e.type for e in read(warning.stream)].count("warning.resolved") == 1
    assert IdempotencyKey.objects.get().owner == f"reviewer:{reviewer.pk}"


def test_a_refused_command_stores_no_idempotency_key(auditor, raise_warning):
    warning = raise_warning()

    response = knox_client(auditor).post(f"/api/v1/review/cases/{warning.pk}/dismiss/", {"reason": "x"},
                                         format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 403
    assert not IdempotencyKey.objects.exists()


def test_a_missing_case_is_a_404_and_bad_input_a_400(reviewer, raise_warning):
    client = knox_client(reviewer)
    warning = raise_warning()

    assert client.post("/api/v1/review/cases/00000000-0000-0000-0000-000000000000/dismiss/", {"reason": "x"},
                       format="json").status_code == 404
    blank = client.post(f"/api/v1/review/cases/{warning.pk}/dismiss/", {"reason": ""}, format="json")
    assert blank.status_code == 400 and "reason" in blank.json()["error"]["fields"]
    wrong_kind = client.post(f"/api/v1/review/cases/{warning.pk}/withdraw/", {"reason": "x"}, format="json")
    assert wrong_kind.status_code == 404


def test_a_reviewer_opens_a_case_by_hand_with_evidence(reviewer, merchant):
    response = knox_client(reviewer).post("/api/v1/review/cases/", {
        "merchant_id": "m-1", "risk_point": "public_opinion", "evidence_text": "Weibo thread, 3k reposts",
        "files": [SimpleUploadedFile("thread.pdf", PDF, content_type="application/pdf")],
    }, format="multipart", HTTP_IDEMPOTENCY_KEY="open-1")

    assert response.status_code == 201, response.content
    violation = Violation.objects.get()
    assert violation.recorded_by_kind == "reviewer" and violation.recorded_by_id == reviewer.pk
    assert violation.evidence.count() == 1
    assert response.json()["case"]["id"] == str(violation.pk)


def test_a_platform_system_opens_a_case_as_itself_with_a_cases_open_token(merchant):
    client = service_client("cases:open", name="opinion-monitor")

    response = client.post("/api/v1/review/cases/", {
        "merchant_id": "m-1", "risk_point": "public_opinion", "evidence_text": "Negative press: 12 articles",
        "files": [SimpleUploadedFile("press.pdf", PDF, content_type="application/pdf")],
    }, format="multipart")

    assert response.status_code == 201, response.content
    violation = Violation.objects.get()
    assert violation.recorded_by_kind == "service" and violation.recorded_by_id is None
    [recorded] = [e for e in read(violation.stream) if e.type == "violation.recorded"]
    assert str(recorded.actor) == "service:opinion-monitor"
    assert violation.state == ViolationState.PENDING


def test_a_service_token_without_cases_open_opens_nothing(merchant):
    for scopes in (["cases:read"], ["ingest", "restrictions:read"]):
        response = service_client(*scopes, name=f"x-{scopes[0]}").post("/api/v1/review/cases/", {
            "merchant_id": "m-1", "risk_point": "public_opinion", "evidence_text": "x"}, format="multipart")
        assert response.status_code == 403
    assert not Violation.objects.exists()


def test_a_service_token_never_runs_reviewer_commands(merchant, raise_warning):
    warning = raise_warning()
    client = service_client("cases:open", "cases:read")

    assert client.get(f"/api/v1/review/cases/{warning.pk}/").status_code == 200
    assert client.post(f"/api/v1/review/cases/{warning.pk}/dismiss/", {"reason": "x"}, format="json").status_code == 403
    assert Warning.objects.get().state == WarningState.OPEN


def test_opening_by_hand_refuses_a_rate_risk_point_and_an_unknown_merchant(reviewer, merchant):
    client = knox_client(reviewer)
    rate = client.post("/api/v1/review/cases/", {"merchant_id": "m-1", "risk_point": "complaint_rate",
                                                 "evidence_text": "x"}, format="multipart")
    unknown = client.post("/api/v1/review/cases/", {"merchant_id": "m-404", "risk_point": "other",
                                                    "evidence_text": "x"}, format="multipart")
    assert rate.status_code == 400 and "risk_point" in rate.json()["error"]["fields"]
    assert unknown.status_code == 404
    assert not Violation.objects.exists()


def test_only_a_senior_adds_a_threshold_version_and_a_second_one_that_day_is_a_409(reviewer, senior):
    from cases.models import ThresholdVersion

    body = {"category": "food", "risk_point": "complaint_rate", "limit": "0.050000", "effective_from": "2026-07-01"}
    refused = knox_client(reviewer).post("/api/v1/review/thresholds/", body, format="json")
    added = knox_client(senior).post("/api/v1/review/thresholds/", body, format="json")
    again = knox_client(senior).post("/api/v1/review/thresholds/", body, format="json")

    assert refused.status_code == 403
    assert added.status_code == 201, added.content
    assert added.json()["warn_at"] == "0.040000" and added.json()["created_by_id"] == senior.pk
    assert again.status_code == 409
    assert ThresholdVersion.objects.filter(effective_from="2026-07-01").count() == 1


def _serious_case(merchant):
    from cases import services
    from eventstore.actors import Actor

    return services.case_open_by_hand(merchant_id=merchant.merchant_id, risk_point="public_opinion",
                                      actor=Actor.service("opinion-monitor"), evidence_text="viral video")


def test_a_discretionary_penalty_on_a_stale_violation_is_a_409_and_proposes_nothing(reviewer, merchant):
    from enforcement.models import Penalty

    case = _serious_case(merchant)
    client = knox_client(reviewer)
    body = {"violation_id": str(case.pk), "step": 1, "statement": "Serious harm.", "internal_note": "seen it"}

    stale = client.post("/api/v1/review/penalties/propose/", {**body, "expected_version": case.version + 1},
                        format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "concurrency_error"
    assert not Penalty.objects.exists()
    first = client.post("/api/v1/review/penalties/propose/", {**body, "expected_version": case.version},
                        format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    again = client.post("/api/v1/review/penalties/propose/", {**body, "expected_version": case.version},
                        format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    assert first.status_code == again.status_code == 201, first.content
    assert again["Idempotent-Replayed"] == "true" and Penalty.objects.count() == 1
    penalty = Penalty.objects.get()
    assert (penalty.kind, penalty.discretionary, penalty.closed_reason) == ("public_warning", True, "")
    assert first.json()["penalty"]["id"] == str(penalty.pk)
    missing = client.post("/api/v1/review/penalties/propose/",
                          {**body, "violation_id": "00000000-0000-0000-0000-000000000000"}, format="json")
    assert missing.status_code == 404


def test_a_rule_case_takes_no_discretionary_penalty(reviewer, record_violation):
    violation = record_violation()
    response = knox_client(reviewer).post("/api/v1/review/penalties/propose/", {
        "violation_id": str(violation.pk), "step": 1, "statement": "x"}, format="json")
    assert response.status_code == 403


def test_only_a_senior_adds_rule_parameters_and_policy_versions_a_second_that_day_is_a_409(reviewer, senior):
    from cases.models import RuleParameterVersion
    from enforcement.models import PolicyVersion

    parameters = {"category": "retail", "clustered_warn_at": 6, "clustered_limit": 12, "effective_from": "2026-07-01"}
    policy = {"effective_from": "2026-07-01", "steps": [{"kind": "public_warning", "duration_days": 7},
                                                        {"kind": "product_ban", "duration_days": 60,
                                                         "traffic_weight": "0.5", "fallback_kind": "throttling"},
                                                        {"kind": "store_removal"}],
              "product_steps": [{"kind": "product_ban", "duration_days": 30}]}
    for path, body, rows in (("rule-parameters/", parameters, RuleParameterVersion.objects),
                             ("policy/", policy, PolicyVersion.objects)):
        with recorded_ahead_of(date(2026, 7, 1)):  # stricter than the shipped versions: 7 days' notice
            refused = knox_client(reviewer).post(f"/api/v1/review/{path}", body, format="json")
            added = knox_client(senior).post(f"/api/v1/review/{path}", body, format="json")
            again = knox_client(senior).post(f"/api/v1/review/{path}", body, format="json")
        assert refused.status_code == 403
        assert added.status_code == 201, added.content
        assert again.status_code == 409
        assert rows.filter(effective_from="2026-07-01").count() == 1

    version = RuleParameterVersion.objects.get(effective_from="2026-07-01")
    assert (version.clustered_limit, version.unserved_limit, version.created_by_id) == (12, 3, senior.pk)
    ladder = PolicyVersion.objects.get(effective_from="2026-07-01")
    assert list(ladder.steps.values_list("number", "kind", "duration_days", "fallback_kind")) == [
        (1, "public_warning", 7, ""), (2, "product_ban", 60, "throttling"), (3, "store_removal", None, "")]
    assert ladder.product_steps == [{"number": 1, "kind": "product_ban", "duration_days": 30, "traffic_weight": "1.00"}]


def test_reference_data_input_the_schema_refuses_is_a_400_with_fields(senior):
    client = knox_client(senior)
    cases = [
        ("rule-parameters/", {"category": "retail", "clustered_warn_at": 13, "effective_from": "2026-07-01"},
         "clustered_warn_at", "invalid_range"),
        ("rule-parameters/", {"category": "retail", "effective_from": "2026-07-01", "note": 5}, "note", "not_a_string"),
        ("policy/", {"effective_from": "2026-07-01", "steps": []}, "steps", None),
        ("policy/", {"effective_from": "2026-07-01", "steps": [{"kind": "product_restriction"}]}, "steps", None),
        ("policy/", {"effective_from": "2026-07-01", "steps": [{"kind": "throttling", "traffic_weight": 0.5}]},
         "steps", None),
    ]
    for path, body, field, code in cases:
        response = client.post(f"/api/v1/review/{path}", body, format="json")
        assert response.status_code == 400 and field in response.json()["error"]["fields"], (body, response.content)
        if code:
            assert response.json()["error"]["code"] == code
    form = client.post("/api/v1/review/policy/", {"effective_from": "2026-07-01"})  # multipart: JSON only
    assert form.status_code == 415


def test_a_reviewer_confirms_a_protective_ban_and_the_penalty_lists_the_command(reviewer, auditor, merchant):
    from decimal import Decimal

    from django.test import TestCase

    from cases import services
    from enforcement import consumers
    from enforcement.models import Penalty
    from eventstore.consumers import drain
    from tests.cases.conftest import judgement

    services.violation_record(**judgement(risk_point="clustered_complaints", product_id="p-1", value=Decimal("10"),
                                          threshold=Decimal("10")))
    with TestCase.captureOnCommitCallbacks(execute=True):
        drain([consumers.VIOLATIONS])
    ban = Penalty.objects.get(protective=True)
    client = knox_client(reviewer)
    assert client.get(f"/api/v1/review/penalties/{ban.pk}/").json()["commands"] == ["confirm", "lift"]
    assert knox_client(auditor).post(f"/api/v1/review/penalties/{ban.pk}/confirm/", {}).status_code == 403
    stale = client.post(f"/api/v1/review/penalties/{ban.pk}/confirm/", {"expected_version": ban.version + 1},
                        format="json")
    assert stale.status_code == 409
    confirmed = client.post(f"/api/v1/review/penalties/{ban.pk}/confirm/", {"expected_version": ban.version},
                            format="json")
    assert confirmed.status_code == 200, confirmed.content
    assert Penalty.objects.get(pk=ban.pk).confirmed_by == reviewer.pk
    assert confirmed.json()["commands"] == []  # confirmed: lifting it now takes a senior


def test_a_case_by_hand_names_only_the_merchants_own_products_and_no_future_period(reviewer, merchant):
    from django.utils import timezone

    from metrics.models import Merchant
    from tests.factories import MerchantFactory, OrderFactory

    OrderFactory(merchant=MerchantFactory(merchant_id="m-2"), product_id="m-2-p0")
    OrderFactory(merchant=Merchant.objects.get(pk="m-1"), product_id="m-1-p0")
    client = knox_client(reviewer)

    def open_case(**fields):
        return client.post("/api/v1/review/cases/", {
            "merchant_id": "m-1", "risk_point": "public_opinion", "evidence_text": "Weibo thread", **fields,
        }, format="multipart")

    another_merchants = open_case(product_id="m-2-p0")
    assert another_merchants.status_code == 404, another_merchants.content
    assert another_merchants.json()["error"]["code"] == "not_found"
    future = (timezone.localdate() + timezone.timedelta(days=30)).isoformat()
    in_future = open_case(window_start=future)
    assert in_future.status_code == 400, in_future.content
    assert in_future.json()["error"]["code"] == "range_in_future"
    assert list(in_future.json()["error"]["fields"]) == ["window_end"]
    assert not Violation.objects.exists()  # nothing recorded by either refusal
    assert open_case(product_id="m-1-p0").status_code == 201
