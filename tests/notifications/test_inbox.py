"""The inbox: `GET /api/v1/notifications/`, unread count, mark read, and the pages. A user sees only their
own notifications: a colleague's or another merchant's is a 404. Opening a violation's notice starts its
appeal window."""
import pytest

from cases.models import Violation
from notifications.models import Notification, Preference
from tests.api.conftest import client_for

from .conftest import run_consumers

API = "/api/v1/notifications/"


@pytest.fixture
def notices(record, staff, colleague, other_staff):
    violation = record()
    run_consumers()
    return violation


def test_the_api_lists_the_callers_notifications_and_their_unread_count(notices, staff):
    api = client_for(staff, HTTP_ACCEPT_LANGUAGE="en")
    body = api.get(API).json()
    [item] = body["results"]
    assert item["kind"] == "violation_recorded" and item["read_at"] is None
    assert item["subject"] == "[Violation notice] Your shop has a violation: Complaint rate"
    assert "How to appeal" in item["body"]
    assert api.get(API + "unread_count/").json() == {"unread": 1}


def test_reading_a_violation_notice_starts_its_appeal_window(notices, staff):
    api = client_for(staff)
    note = Notification.objects.get(user=staff)
    assert Violation.objects.get(pk=notices.pk).appeal_deadline is None
    response = api.post(f"{API}{note.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert api.get(API + "unread_count/").json() == {"unread": 0}
    violation = Violation.objects.get(pk=notices.pk)
    assert violation.notified_at is not None and violation.appeal_deadline is not None


@pytest.mark.parametrize("whose", ["colleague", "other_staff"])
def test_another_users_notification_is_a_404_and_is_not_marked_read(notices, staff, colleague, other_staff, whose):
    """A colleague of the same merchant cannot read another user's inbox either."""
    theirs = Notification.objects.get(user=colleague)
    attacker = client_for(other_staff if whose == "other_staff" else staff)
    assert attacker.get(f"{API}{theirs.pk}/").status_code == 404
    assert attacker.post(f"{API}{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert Violation.objects.get(pk=notices.pk).notified_at is None
    assert theirs.pk not in [n["id"] for n in attacker.get(API).json()["results"]]


def test_preferences_are_validated_and_saved(staff, db):
    api = client_for(staff)
    bad = api.put(API + "preferences/", {"channels": {"nonsense": ["email"], "warning_raised": ["fax"]}},
                  format="json")
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"channels"}
    good = api.put(API + "preferences/", {"language": "en", "channels": {"warning_raised": ["sms"]}}, format="json")
    assert good.status_code == 200
    assert Preference.objects.get(user=staff).channels == {"warning_raised": ["sms"]}


def test_the_inbox_page_shows_the_unread_count_in_the_header_and_opening_marks_read(notices, staff, client):
    client.force_login(staff)
    page = client.get("/merchant/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'class="badge"' in page and ">1</span>" in page and "【违规通知】" in page
    note = Notification.objects.get(user=staff)
    detail = client.get(f"/merchant/notifications/{note.pk}/").content.decode()
    assert "申诉方式" in detail
    assert Notification.objects.get(pk=note.pk).read_at is not None
    assert 'class="badge"' not in client.get("/merchant/").content.decode()


def test_another_users_notification_page_is_a_404(notices, other_staff, client, staff):
    client.force_login(other_staff)
    note = Notification.objects.get(user=staff)
    assert client.get(f"/merchant/notifications/{note.pk}/").status_code == 404
    assert client.post(f"/merchant/notifications/{note.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_the_settings_page_saves_channels_but_cannot_switch_off_violation_notices(staff, client):
    client.force_login(staff)
    page = client.get("/merchant/notifications/settings/").content.decode()
    assert 'name="violation_recorded:email" aria-label' in page and "disabled" in page
    response = client.post("/merchant/notifications/settings/", {
        "language": "en", "phone": "+8613800000000", "warning_raised:sms": "on",
        "violation_recorded:email": ""})  # a forged opt-out of a mandatory kind is ignored
    assert response.status_code == 302
    preference = Preference.objects.get(user=staff)
    assert (preference.language, preference.phone) == ("en", "+8613800000000")
    assert preference.wants("warning_raised", "sms") and not preference.wants("warning_raised", "email")
    assert preference.wants("violation_recorded", "email")
    assert client.post("/merchant/notifications/settings/", {"language": "fr"}).status_code == 400


def test_preferences_take_exactly_what_the_schema_declares(staff, db):
    """The schema lists each kind with its channels and no other key, and text as text: the PUT refuses the
    same documents (a number for a phone, an unknown kind) and stores nothing."""
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/schema/?format=json").json()
    declared = schema["components"]["schemas"]["PreferenceRequest"]["properties"]["channels"]
    assert declared["additionalProperties"] is False
    assert set(declared["properties"]) == {"warning_raised", "violation_recorded", "appeal_received",
                                           "appeal_decided", "penalty_imposed", "penalty_re_stepped", "penalty_lifted",
                                           "penalty_expiring", "rule_changed"}
    api = client_for(staff)
    for body, field in (({"push_token": 0}, "push_token"), ({"phone": 13800138000}, "phone"),
                        ({"channels": {"warning_raised": "sms"}}, "channels"),
                        ({"channels": {"warning_raised": None}}, "channels")):
        refused = api.put(API + "preferences/", body, format="json")
        assert refused.status_code == 400 and set(refused.json()["error"]["fields"]) == {field}, (body, refused.content)
    assert not Preference.objects.filter(user=staff).exists()
