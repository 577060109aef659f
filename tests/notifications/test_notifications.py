"""Notifications reach every staff user of the merchant on every channel exactly once: e-mail on a real SMTP
server, a signed merchant webhook, SMS through the HTTP gateway backend; the first delivery of a violation's
notice starts its appeal window; failures are retried with backoff and end as failed."""
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from cases import services as case_services
from cases.models import Violation
from eventstore.actors import Actor
from notifications import delivery
from notifications.models import Channel, Delivery, DeliveryState, Kind, MerchantWebhook, Notification, Preference
from notifications.tasks import notify_expiring_penalties
from tests.enforcement.receiver import SECRET

from .conftest import run_consumers, send_all


def test_a_violation_reaches_every_staff_user_by_email_through_a_real_smtp_server(
        record, staff, colleague, other_staff, smtp_server):
    Preference.objects.create(user=colleague, language="en")
    violation = record(evidence=None)
    run_consumers()

    notes = Notification.objects.filter(kind=Kind.VIOLATION_RECORDED)
    assert sorted(n.user.username for n in notes) == ["lin", "wang"]  # not the other merchant's zhao
    assert send_all() == (2, 0)

    got = {tuple(rcpt): msg for rcpt, msg in smtp_server.messages}
    assert set(got) == {("lin@alpha.example",), ("wang@alpha.example",)}
    zh, en = got[("lin@alpha.example",)], got[("wang@alpha.example",)]
    assert zh["Subject"].strip() == "【违规通知】您的店铺存在违规：投诉率"
    assert "申诉方式" in zh.get_content() and f"/merchant/violations/{violation.pk}/" in zh.get_content()
    assert en["Subject"] == "[Violation notice] Your shop has a violation: Complaint rate"
    body = en.get_content()
    assert "How to appeal" in body and "within 7 days of receiving this notice" in body
    ids = {d.pk for d in Delivery.objects.all()}
    assert {m["Message-ID"] for m in got.values()} == {f"<riskcase-notification-{pk}@riskcase.local>" for pk in ids}

    # Running everything again sends nothing twice.
    run_consumers()
    assert send_all() == (0, 0)
    assert len(smtp_server.messages) == 2
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == 2


def test_the_first_delivery_starts_the_appeal_window_and_the_deadline_is_in_the_email(record, staff, smtp_server):
    with time_machine.travel("2026-06-07 02:00:00+00:00", tick=False):
        violation = record()
        assert Violation.objects.get(pk=violation.pk).appeal_deadline is None
        run_consumers()
    with time_machine.travel("2026-06-09 02:00:00+00:00", tick=False):
        send_all()
    stored = Violation.objects.get(pk=violation.pk)
    assert stored.notified_at == datetime(2026, 6, 9, 2, tzinfo=UTC)
    assert stored.appeal_deadline == stored.notified_at + timedelta(days=7)
    [(_, message)] = smtp_server.messages
    assert "截止时间为 2026-06-16 10:00" in message.get_content()  # Beijing time of the new deadline
    assert case_services.violation_uphold_lapsed(now=stored.appeal_deadline + timedelta(seconds=1)) == [violation.pk]


def test_the_merchant_webhook_is_signed_like_the_downstream_webhooks(record, merchant, staff, receiver):
    MerchantWebhook.objects.create(merchant=merchant, url=receiver["url"], secret=SECRET)
    staff.email = ""
    staff.save()  # only the webhook then
    record()
    run_consumers()
    assert send_all() == (1, 0)
    assert receiver["rejected"] == []
    [message] = receiver["received"]
    assert message["kind"] == "violation_recorded" and message["merchant_id"] == "m-alpha"
    assert message["subject"].startswith("【违规通知】")
    webhook_delivery = Delivery.objects.get(channel=Channel.WEBHOOK)
    assert message["key"] == webhook_delivery.idempotency_key


def test_a_forged_signature_is_what_the_receiver_rejects(receiver):
    """The receiver of the tests really checks: a body signed with another secret is refused."""
    import urllib.error
    import urllib.request

    body = b'{"kind":"violation_recorded"}'
    bad = hmac.new(b"not-the-secret", b"1." + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(receiver["url"], data=body, method="POST", headers={
        "X-RiskCase-Timestamp": "1", "X-RiskCase-Signature": f"sha256={bad}", "Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(request, timeout=5)
    assert receiver["rejected"] == [body]


def test_sms_goes_through_the_http_gateway_backend_with_retries(record, staff, gateway, settings):
    settings.RISKCASE_NOTIFY_BACKENDS = {"sms": {"BACKEND": "notifications.backends.HttpGatewayBackend",
                                                 "URL": gateway["url"] + "/sms", "TOKEN": "tok"}}
    settings.RISKCASE_NOTIFY_BACKOFF_SECONDS = 10
    staff.email = ""
    staff.save()
    Preference.objects.create(user=staff, phone="+8613800000000", language="en")
    gateway["fail"] = 1
    violation = record()
    run_consumers()

    assert send_all() == (0, 1)
    sms = Delivery.objects.get(channel=Channel.SMS)
    assert (sms.state, sms.attempts, "HTTP 503" in sms.last_error) == (DeliveryState.PENDING, 1, True)
    assert sms.next_attempt_at - timezone.now() > timedelta(seconds=8)
    assert send_all() == (0, 0)  # not due yet
    assert Violation.objects.get(pk=violation.pk).notified_at is None

    with time_machine.travel(timezone.now() + timedelta(seconds=11)):
        assert send_all() == (1, 0)
    [request] = gateway["requests"]
    assert request["path"] == "/sms" and request["headers"]["Authorization"] == "Bearer tok"
    assert request["body"]["to"] == "+8613800000000"
    assert request["body"]["idempotency_key"] == request["headers"]["Idempotency-Key"] == sms.idempotency_key
    assert request["body"]["subject"].startswith("[Violation notice]")
    assert Violation.objects.get(pk=violation.pk).notified_at is not None


def test_a_delivery_that_keeps_failing_ends_as_failed_and_can_be_retried(record, staff, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    settings.RISKCASE_NOTIFY_MAX_ATTEMPTS = 3
    settings.RISKCASE_NOTIFY_BACKOFF_SECONDS = 0
    violation = record()
    run_consumers()
    assert send_all() == (0, 3)
    email = Delivery.objects.get()
    assert (email.state, email.attempts) == (DeliveryState.FAILED, 3)
    assert "ConnectionRefusedError" in email.last_error
    assert Violation.objects.get(pk=violation.pk).notified_at is None  # never delivered: the window waits
    assert delivery.retry(Delivery.objects.all()) == 1
    assert Delivery.objects.get().state == DeliveryState.PENDING


def test_preferences_switch_off_a_warning_channel_but_never_a_violation_notice(record, merchant, staff, settings):
    from tests.factories import record_violation  # noqa: F401 - the same services as the rules

    Preference.objects.create(user=staff, channels={Kind.WARNING_RAISED: [], Kind.VIOLATION_RECORDED: []})
    case_services.warning_raise(merchant_id=merchant.merchant_id, risk_point="complaint_rate",
                                window_start=timezone.localdate(), window_end=timezone.localdate(),
                                value=0, threshold=0, explanation={}, as_of=timezone.localdate())
    record(risk_point="negative_review_rate")
    run_consumers()
    kinds = {(d.notification.kind, d.channel) for d in Delivery.objects.select_related("notification")}
    assert kinds == {(Kind.VIOLATION_RECORDED, Channel.EMAIL)}
    assert set(Notification.objects.values_list("kind", flat=True)) == {Kind.WARNING_RAISED, Kind.VIOLATION_RECORDED}


def test_appeals_and_penalties_are_told_too(record, staff, smtp_server):
    violation = record()
    run_consumers(enforcement=True)  # enforcement imposes a public warning (step 1); notifications tell both
    case_services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant("m-alpha"), statement="Not us.")
    run_consumers(enforcement=True)
    kinds = list(Notification.objects.order_by("position").values_list("kind", flat=True))
    assert kinds == [Kind.VIOLATION_RECORDED, Kind.PENALTY_IMPOSED, Kind.APPEAL_RECEIVED]
    send_all()
    subjects = sorted(m["Subject"].strip() for _, m in smtp_server.messages)
    assert any(s.startswith("【处罚通知】") for s in subjects) and any(s.startswith("【申诉已受理】") for s in subjects)


def test_penalties_ending_soon_are_announced_once(record, staff):
    from enforcement.models import Penalty

    record()
    run_consumers(enforcement=True)
    penalty = Penalty.objects.get()
    assert notify_expiring_penalties(now=penalty.ends_at - timedelta(days=5)) == 0
    assert notify_expiring_penalties(now=penalty.ends_at - timedelta(days=2)) == 1
    assert notify_expiring_penalties(now=penalty.ends_at - timedelta(days=1)) == 0
    note = Notification.objects.get(kind=Kind.PENALTY_EXPIRING, user=staff)
    assert note.key == f"penalty-expiring-{penalty.pk}" and note.deliveries.count() == 1


def test_the_webhook_payload_is_the_signed_body(record, merchant, staff, receiver):
    """The receiver verified the HMAC over exactly the JSON it parsed (tests/enforcement/receiver.py)."""
    MerchantWebhook.objects.create(merchant=merchant, url=receiver["url"], secret=SECRET)
    staff.email = ""
    staff.save()
    record()
    run_consumers()
    send_all()
    assert json.loads(json.dumps(receiver["received"][0]))["event_position"] is not None
