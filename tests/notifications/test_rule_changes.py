"""Issue 13 item 7: a stricter rule change is announced at least 7 days before it applies (PRC E-Commerce Law
Art. 34); it reaches the category's merchants once, and their pages show it "from <date>" until it applies."""
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone, translation

from cases.strictness import StricterTooSoon
from cases.thresholds import threshold_in_force, threshold_version_add
from eventstore.actors import SYSTEM
from notifications.messages import render
from notifications.models import Kind, Notification
from tests.api.conftest import client_for
from tests.cases.conftest import make_user
from tests.factories import MembershipFactory, MerchantFactory, UserFactory
from tests.review.conftest import knox_client

from .conftest import run_consumers

pytestmark = pytest.mark.django_db


@pytest.fixture
def senior(db):
    return make_user("sam", "senior_reviewer")


def _stricter(effective_from, category="food"):
    return threshold_version_add(category=category, risk_point="complaint_rate", limit="0.03",
                                 effective_from=effective_from, actor=SYSTEM, note="tighter")


def test_a_stricter_version_dated_sooner_than_seven_days_is_refused_with_a_clear_message():
    today = timezone.localdate()
    for day in (today - timedelta(days=30), today, today + timedelta(days=6)):
        with pytest.raises(StricterTooSoon) as refused, translation.override("en"):
            _stricter(day)
        message = str(refused.value)
        assert "stricter (limit, warn_at)" in message and "at least 7 days" in message
        assert (today + timedelta(days=7)).isoformat() in message
    with pytest.raises(StricterTooSoon) as refused, translation.override("zh-hans"):  # the platform's language
        _stricter(today)
    assert str(refused.value) == (f"此版本使规则更严格（limit, warn_at），必须在生效前至少 7 天告知商家：请选择 "
                                  f"{(today + timedelta(days=7)).isoformat()} 或之后的生效日期。")
    assert threshold_in_force("food", "complaint_rate", today + timedelta(days=365)).limit == Decimal("0.05")
    assert _stricter(today + timedelta(days=7)).limit == Decimal("0.03")


def test_the_review_api_answers_a_stricter_version_without_notice_with_a_400(senior):
    body = {"category": "food", "risk_point": "complaint_rate", "limit": "0.030000",
            "effective_from": (timezone.localdate() + timedelta(days=3)).isoformat()}
    response = knox_client(senior).post("/api/v1/review/thresholds/", body, format="json")
    assert response.status_code == 400, response.content
    assert "at least 7 days before it applies" in response.content.decode()


def test_a_relaxing_version_applies_at_once_even_on_a_past_day():
    today = timezone.localdate()
    relaxed = threshold_version_add(category="food", risk_point="complaint_rate", limit="0.06", min_orders=40,
                                    effective_from=today - timedelta(days=2), actor=SYSTEM)
    assert threshold_in_force("food", "complaint_rate", today) == relaxed
    assert all(not c["stricter"] for c in relaxed.changes) and len(relaxed.changes) == 3


def test_the_announcement_reaches_each_staff_user_of_the_category_once():
    alpha = MerchantFactory(merchant_id="m-alpha", category="food")
    gamma = MerchantFactory(merchant_id="m-gamma", category="food")
    beta = MerchantFactory(merchant_id="m-beta", category="beauty")
    lin = MembershipFactory(merchant=alpha, user=UserFactory(username="lin", email="lin@alpha.example")).user
    MembershipFactory(merchant=gamma, user=lin)  # runs two shops of the category: one notice
    wang = MembershipFactory(merchant=gamma, user=UserFactory(username="wang", email="")).user
    zhao = MembershipFactory(merchant=beta, user=UserFactory(username="zhao", email="")).user
    day = timezone.localdate() + timedelta(days=10)
    version = _stricter(day)
    run_consumers()
    run_consumers()  # a re-run adds nothing
    notices = Notification.objects.filter(kind=Kind.RULE_CHANGED)
    assert sorted(notices.values_list("user__username", flat=True)) == ["lin", "wang"]
    assert not notices.filter(user=zhao).exists()
    note = notices.get(user=lin)
    assert (note.subject_id, note.context["effective_from"], note.context["stricter"]) == (
        str(version.pk), day.isoformat(), True)
    subject, body = render(note, "zh-hans")
    assert subject == f"【规则变更】投诉率阈值 从 {day.isoformat()} 起"
    assert "红线（违规线）：5.00% → 3.00%（更严格）" in body  # rates as percentages, like every rate shown
    subject, body = render(note, "en")
    assert subject == f"[Rule change] Threshold of Complaint rate from {day.isoformat()}"
    api = client_for(wang, HTTP_ACCEPT_LANGUAGE="en")
    assert api.get("/api/v1/notifications/unread_count/").json() == {"unread": 1}


def test_the_shipped_defaults_and_a_version_without_changes_are_not_announced():
    alpha = MerchantFactory(merchant_id="m-alpha", category="food")
    MembershipFactory(merchant=alpha, user=UserFactory(username="lin", email=""))
    threshold_version_add(category="food", risk_point="complaint_rate", limit="0.05",
                          effective_from=timezone.localdate(), actor=SYSTEM)
    run_consumers()
    assert not Notification.objects.filter(kind=Kind.RULE_CHANGED).exists()


def test_the_diagnosis_page_and_api_show_the_change_from_its_date_until_it_applies(client):
    alpha = MerchantFactory(merchant_id="m-alpha", category="food")
    lin = MembershipFactory(merchant=alpha, user=UserFactory(username="lin", email="")).user
    day = timezone.localdate() + timedelta(days=8)
    _stricter(day)
    client.force_login(lin)
    zh = client.get("/merchant/").content.decode()  # Simplified Chinese unless English is chosen
    assert f"从 {day.isoformat()} 起" in zh and "5.00% → <strong>3.00%</strong>" in zh
    assert "规则变更公示" in zh and "更严格" in zh
    client.cookies["django_language"] = "en"
    en = client.get("/merchant/").content.decode()
    assert f"From {day.isoformat()}" in en
    api = client_for(lin, HTTP_ACCEPT_LANGUAGE="en")
    (change,) = api.get("/api/v1/diagnosis/").json()["rule_changes"]
    assert (change["rule"], change["effective_from"], change["stricter"]) == ("threshold", day.isoformat(), True)
    assert {c["field"]: (c["old"], c["new"]) for c in change["changes"]} == {
        "limit": ("5.00%", "3.00%"), "warn_at": ("4.00%", "2.40%")}  # display values, as the labels are
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):  # it applies: no longer announced
        later = client_for(lin, HTTP_ACCEPT_LANGUAGE="en")  # a fresh token: the first one has expired by then
        assert later.get("/api/v1/diagnosis/").json()["rule_changes"] == []
        assert f"From {day.isoformat()}" not in client.get("/merchant/").content.decode()
