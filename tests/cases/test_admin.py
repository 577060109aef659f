"""The reviewers' admin through the test client: queues, the case page, buttons calling the services."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Appeal, ThresholdVersion, Violation, Warning
from eventstore.actors import Actor
from eventstore.models import Event
from eventstore.store import read
from metrics.models import DailyMetric
from tests.factories import MerchantFactory

from .conftest import judgement

pytestmark = pytest.mark.django_db


def _url(model, view, *args):
    return reverse(f"admin:cases_{model}_{view}", args=args)


@pytest.fixture
def appealed(record_violation):
    violation = record_violation()
    services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant("m-1"), statement="We were closed.",
                           files=[ContentFile(b"%PDF-1.4 lease-bytes", name="lease.pdf")])
    return Violation.objects.get(pk=violation.pk)


def _many_cases(n, start=0):
    for i in range(start, start + n):
        MerchantFactory(merchant_id=f"q-{i}", category="beauty" if i % 2 else "food")
        services.warning_raise(**judgement(merchant_id=f"q-{i}", value=Decimal("0.045")))
        violation = services.violation_record(**judgement(merchant_id=f"q-{i}", risk_point="negative_review_rate"))
        services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant(f"q-{i}"), statement="No.")


@pytest.mark.parametrize("model", ["warning", "violation", "appeal"])
def test_queues_do_not_run_a_query_per_row(client, reviewer, model, django_assert_max_num_queries):
    client.force_login(reviewer)
    _many_cases(2)
    with django_assert_max_num_queries(20) as few:
        assert client.get(_url(model, "changelist")).status_code == 200
    _many_cases(12, start=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert "q-13" in response.content.decode()


def test_the_queues_filter_by_state_risk_point_category_merchant_assignee_and_overdue(client, reviewer):
    client.force_login(reviewer)
    _many_cases(4)
    first = Violation.objects.get(merchant_id="q-0")
    services.case_assign(case_id=first.pk, assignee_id=reviewer.pk, actor=Actor.reviewer(reviewer))

    def listed(model, query):
        return client.get(_url(model, "changelist") + query).context["cl"].result_count

    assert listed("warning", "?state__exact=open") == 4
    assert listed("warning", "?risk_point__exact=complaint_rate&category=beauty") == 2
    assert listed("violation", "?merchant=q-1") == 1
    assert listed("violation", "?assignee=me") == 1
    assert listed("violation", "?assignee=none") == 3
    assert listed("violation", "?q=q-2") == 1
    assert listed("appeal", "?overdue=yes") == 0
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        assert listed("appeal", "?overdue=yes") == 4
        assert listed("violation", "?overdue=yes") == 4
        page = client.get(_url("appeal", "changelist")).content.decode()
        assert page.count(">Overdue</strong>") == 4


def test_the_case_page_explains_charts_shows_the_appeal_and_the_timeline(client, reviewer, appealed):
    DailyMetric.objects.create(merchant_id="m-1", day=date(2026, 5, 10), paid_orders=100, verified_orders=90,
                               complaints=7, negative_reviews=1, merchant_refunds=0, complaint_rate=Decimal("0.07"),
                               negative_review_rate=None, merchant_refund_rate=Decimal("0"), stable=True,
                               as_of=date(2026, 6, 6))
    client.force_login(reviewer)
    page = client.get(_url("violation", "change", appealed.pk)).content.decode()
    assert "&quot;numerator&quot;: 6" in page
    assert "<svg" in page and "<circle" in page
    assert "We were closed." in page and "lease.pdf" in page
    for event in read(appealed.stream):
        assert event.type in page
    assert 'name="do_withdraw"' in page
    assert 'name="do_accept_appeal"' in page and 'name="do_reject_appeal"' in page


def test_buttons_are_exactly_the_transitions_allowed_to_this_user_now(client, merchant, reviewer, colleague, auditor):
    violation = services.case_open_by_hand(merchant_id="m-1", risk_point="other", actor=Actor.reviewer(reviewer),
                                           evidence_text="Inspection report.")
    page = lambda user: (client.force_login(user), client.get(_url("violation", "change", violation.pk)))[1].content.decode()  # noqa: E731
    assert 'name="do_withdraw"' in page(reviewer) and "do_accept_appeal" not in page(reviewer)
    services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant("m-1"), statement="Not us.")
    assert "do_accept_appeal" not in page(reviewer)  # she recorded it
    assert 'name="do_accept_appeal"' in page(colleague) and 'name="do_reject_appeal"' in page(colleague)
    auditor_page = page(auditor)
    assert "do_" not in auditor_page and "No action is open to you" in auditor_page


def test_a_reviewer_decides_an_appeal_through_the_button(client, colleague, appealed):
    client.force_login(colleague)
    response = client.post(_url("violation", "act", appealed.pk), {
        "transition": "reject_appeal", "reason": "The lease is for another address.",
        "expected_version": appealed.version}, follow=True)
    assert response.status_code == 200
    appeal = Appeal.objects.get(pk=appealed.pk)
    assert (appeal.decision, appeal.decided_by) == ("rejected", colleague)
    assert Violation.objects.get(pk=appealed.pk).state == "appeal_failed"
    assert read(appealed.stream)[-1].actor == Actor.reviewer(colleague)


def test_a_stale_page_gets_a_clear_message_and_changes_nothing(client, reviewer, colleague, appealed):
    services.appeal_decide(violation_id=appealed.pk, actor=Actor.reviewer(reviewer), accept=True, reasons="Yes.")
    client.force_login(colleague)
    response = client.post(_url("violation", "act", appealed.pk), {
        "transition": "reject_appeal", "reason": "No.", "expected_version": appealed.version}, follow=True)
    assert "Someone else changed this case" in response.content.decode()
    assert Appeal.objects.get(pk=appealed.pk).decision == "accepted"


def test_a_missing_reason_is_shown_as_an_error(client, reviewer, raise_warning):
    warning = raise_warning()
    client.force_login(reviewer)
    response = client.post(_url("warning", "act", warning.pk), {"transition": "dismiss", "reason": ""}, follow=True)
    assert "A reason is required." in response.content.decode()
    assert Warning.objects.get(pk=warning.pk).state == "open"


def test_assigning_to_self_and_to_a_colleague(client, reviewer, colleague, raise_warning):
    warning = raise_warning()
    client.force_login(reviewer)
    client.post(_url("warning", "changelist"), {"action": "assign_to_me", "_selected_action": [warning.pk]})
    assert Warning.objects.get(pk=warning.pk).assignee == reviewer
    client.post(_url("warning", "act", warning.pk), {"transition": "assign", "assignee": colleague.pk,
                                                     "expected_version": 2})
    assert Warning.objects.get(pk=warning.pk).assignee == colleague


def test_users_without_permission_are_refused(client, outsider, auditor, raise_warning, appealed):
    warning = raise_warning()
    client.force_login(outsider)
    assert client.get(_url("warning", "changelist")).status_code == 403
    assert client.post(_url("warning", "act", warning.pk), {"transition": "dismiss", "reason": "x"}).status_code == 403
    client.force_login(auditor)
    assert client.get(_url("warning", "change", warning.pk)).status_code == 200
    assert client.get(reverse("admin:eventstore_event_changelist")).status_code == 200
    assert client.post(_url("warning", "act", warning.pk), {"transition": "dismiss", "reason": "x"}).status_code == 403
    assert client.post(_url("violation", "act", appealed.pk), {"transition": "accept_appeal", "reason": "x"}).status_code == 403
    assert client.get(reverse("admin:eventstore_event_change", args=[Event.objects.first().pk])).status_code == 200
    assert Warning.objects.get(pk=warning.pk).state == "open"
    client.logout()
    assert client.get(_url("warning", "changelist")).status_code == 302


def test_nobody_edits_or_deletes_cases_or_events_in_admin(client, senior, appealed):
    client.force_login(senior)
    event = Event.objects.first()
    assert client.get(reverse("admin:eventstore_event_delete", args=[event.pk])).status_code == 403
    assert client.get(_url("violation", "delete", appealed.pk)).status_code == 403
    assert client.get(_url("violation", "add")).status_code == 403
    page = client.get(_url("violation", "change", appealed.pk)).content.decode()
    assert 'name="_save"' not in page


def test_evidence_files_download_for_reviewers(client, reviewer, appealed, outsider):
    evidence = Appeal.objects.get(pk=appealed.pk).evidence.get()
    client.force_login(reviewer)
    response = client.get(_url("violation", "evidence", appealed.pk, evidence.pk))
    assert b"".join(response.streaming_content) == b"%PDF-1.4 lease-bytes"
    client.force_login(outsider)
    assert client.get(_url("violation", "evidence", appealed.pk, evidence.pk)).status_code == 403


def _previewed(client, url, form):
    """The admin's preview step: the first submission shows the impact and records nothing; the same values
    posted again with the preview's digest record the version."""
    preview = client.post(url, form)
    assert preview.status_code == 200 and "Preview, not recorded yet." in preview.content.decode()
    assert 'class="errornote"' not in preview.content.decode()  # a preview, not an error
    return client.post(url, {**form, "preview": preview.context["adminform"].form["preview"].value()})


def test_only_a_senior_reviewer_adds_a_threshold_version_and_it_is_recorded(client, senior, reviewer):
    url = reverse("admin:cases_thresholdversion_add")
    soon, later = timezone.localdate() + timedelta(days=6), timezone.localdate() + timedelta(days=7)
    form = {"category": "food", "risk_point": "complaint_rate", "limit": "0.045000", "warn_at": "",
            "window_days": "30", "min_orders": "30", "effective_from": later.isoformat(), "note": "tighter"}
    shipped = Event.objects.filter(type="threshold.version_added").count()
    client.force_login(reviewer)
    assert client.get(url).status_code == 403
    assert client.post(url, form).status_code == 403
    assert client.get(reverse("admin:cases_thresholdversion_changelist")).status_code == 200
    client.force_login(senior)
    too_soon = client.post(url, {**form, "effective_from": soon.isoformat()})
    assert too_soon.status_code == 200 and "at least 7 days before it applies" in too_soon.content.decode()
    response = _previewed(client, url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    version = ThresholdVersion.objects.get(effective_from=later)
    assert (version.limit, version.warn_at, version.created_by) == (Decimal("0.045"), Decimal("0.036"), senior)
    assert Event.objects.filter(type="threshold.version_added").count() == shipped + 1
    duplicate = client.post(url, form)
    assert duplicate.status_code == 200 and "already has a version" in duplicate.content.decode()
    assert Event.objects.filter(type="threshold.version_added").count() == shipped + 1
    bad = client.post(url, {**form, "limit": "0.01", "warn_at": "0.02", "effective_from": "2026-08-01"})
    assert bad.status_code == 200 and not ThresholdVersion.objects.filter(effective_from=date(2026, 8, 1)).exists()
    existing = client.get(reverse("admin:cases_thresholdversion_change", args=[version.pk])).content.decode()
    assert 'name="_save"' not in existing


def test_a_reviewer_opens_a_case_by_hand_with_evidence_files(client, reviewer, auditor, merchant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("admin:cases_violation_open")
    client.force_login(auditor)
    assert client.get(url).status_code == 403
    client.force_login(reviewer)
    assert "Open a case by hand" in client.get(_url("violation", "changelist")).content.decode()
    refused = client.post(url, {"merchant_id": "nobody", "risk_point": "public_opinion", "evidence_text": "x"})
    assert refused.status_code == 200 and "No such merchant." in refused.content.decode()
    response = client.post(url, {
        "merchant_id": "m-1", "risk_point": "public_opinion", "evidence_text": "Viral video of a dirty kitchen.",
        "files": [SimpleUploadedFile("video-still.png", b"\x89PNG\r\n\x1a\n png-1"),
                  SimpleUploadedFile("post.pdf", b"%PDF-1.4 the post")],
    })
    violation = Violation.objects.get()
    assert response.status_code == 302 and response["Location"] == _url("violation", "change", violation.pk)
    assert (violation.risk_point, violation.recorded_by, violation.evidence_text) == (
        "public_opinion", reviewer, "Viral video of a dirty kitchen.")
    assert sorted(violation.evidence.values_list("name", flat=True)) == ["post.pdf", "video-still.png"]
    page = client.get(response["Location"]).content.decode()
    assert "Viral video of a dirty kitchen." in page and "video-still.png" in page


def test_only_a_senior_reviewer_adds_rule_parameters_and_errors_show_on_the_field(client, senior, reviewer):
    from cases.models import RuleParameterVersion

    url = reverse("admin:cases_ruleparameterversion_add")
    form = {"category": "retail", "clustered_window_days": "3", "clustered_warn_at": "6", "clustered_limit": "12",
            "unserved_window_days": "7", "unserved_limit": "3", "related_lookback_days": "90",
            "product_min_orders": "20", "effective_from": "2026-07-01", "note": "busier"}
    client.force_login(reviewer)
    assert client.get(url).status_code == 403
    assert client.post(url, form).status_code == 403
    assert client.get(reverse("admin:cases_ruleparameterversion_changelist")).status_code == 200
    client.force_login(senior)
    bad = client.post(url, {**form, "clustered_warn_at": "13"})
    assert bad.status_code == 200
    assert bad.context["adminform"].form.errors == {
        "clustered_warn_at": ["clustered_warn_at must be at most clustered_limit"]}
    response = _previewed(client, url, form)  # it only relaxes: it may apply on a past day
    assert response.status_code == 302, response.content.decode()[:2000]
    version = RuleParameterVersion.objects.get(category="retail", effective_from=date(2026, 7, 1))
    assert (version.clustered_limit, version.related_lookback_days, version.created_by) == (12, 90, senior)
    assert Event.objects.filter(type="rule_parameters.version_added", stream="rule_parameters-retail").count() == 2


@pytest.mark.parametrize("model", ["thresholdversion", "ruleparameterversion"])
def test_nobody_changes_or_deletes_a_rule_version_in_admin(client, model):
    from cases.models import RuleParameterVersion

    root = get_user_model().objects.create_superuser("root", password="pw")
    client.force_login(root)
    version = (ThresholdVersion if model == "thresholdversion" else RuleParameterVersion).objects.first()
    before = {f.attname: getattr(version, f.attname) for f in type(version)._meta.concrete_fields}
    change = reverse(f"admin:cases_{model}_change", args=[version.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(change, {"category": "food", "effective_from": "2001-01-01", "note": "x"}).status_code == 403
    assert client.post(reverse(f"admin:cases_{model}_delete", args=[version.pk]), {"post": "yes"}).status_code == 403
    client.post(reverse(f"admin:cases_{model}_changelist"),
                {"action": "delete_selected", "_selected_action": [version.pk], "post": "yes"})
    version.refresh_from_db()
    assert {f.attname: getattr(version, f.attname) for f in type(version)._meta.concrete_fields} == before
