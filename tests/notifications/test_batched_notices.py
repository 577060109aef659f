"""Issue 17: the notifications consumer tells a batch of events, and a rule change a whole category, in a fixed
number of queries per chunk of merchants (notifications.consumers.notify_merchants), each recipient once."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services as case_services
from cases.thresholds import threshold_version_add
from eventstore.actors import SYSTEM, Actor
from eventstore.consumers import drain
from notifications import consumers, tasks
from notifications.models import Announcement, Channel, Delivery, Kind, MerchantWebhook, Notification, Preference
from notifications.tasks import notify_expiring_penalties
from tests.factories import MembershipFactory, MerchantFactory, UserFactory

from .conftest import run_consumers

pytestmark = pytest.mark.django_db


def _shops(first, count, category="food"):
    """`count` merchants of the category, each with one staff user with an e-mail address; every third also
    with an active webhook."""
    for i in range(first, first + count):
        shop = MerchantFactory(merchant_id=f"m-{i:03d}", category=category)
        MembershipFactory(merchant=shop, user=UserFactory(username=f"staff-{i}", email=f"staff-{i}@shop.example"))
        if i % 3 == 0:
            MerchantWebhook.objects.create(merchant=shop, url=f"https://shop-{i}.example/hook", secret="s" * 32)


def _tighten(limit, days=10):
    return threshold_version_add(category="food", risk_point="complaint_rate", limit=limit,
                                 effective_from=timezone.localdate() + timedelta(days=days), actor=SYSTEM)


def _queries_announcing():
    with CaptureQueriesContext(connection) as queries:
        run_consumers()
    return len(queries)


def test_a_rule_change_reaches_a_category_in_the_same_queries_whatever_its_size():
    run_consumers()  # the consumer's checkpoint made: not counted below
    _shops(0, 3)
    _tighten("0.04")
    small = _queries_announcing()
    _shops(3, 27)
    MerchantFactory(merchant_id="m-silent", category="food")  # no staff, no webhook: no one to tell
    _tighten("0.03", days=11)
    large = _queries_announcing()
    assert small == large
    latest = Notification.objects.filter(kind=Kind.RULE_CHANGED, key=Notification.objects.latest("position").key)
    assert latest.filter(user__isnull=False).count() == 30 and latest.filter(webhook__isnull=False).count() == 10
    assert Delivery.objects.filter(notification__in=latest, channel=Channel.EMAIL).count() == 30
    assert Delivery.objects.filter(notification__in=latest, channel=Channel.WEBHOOK).count() == 10


def test_across_chunks_each_recipient_is_told_once_and_a_rerun_adds_nothing(monkeypatch):
    monkeypatch.setattr(consumers, "CHUNK", 2)
    _shops(0, 5)  # m-000 and m-003 have webhooks
    owner = MembershipFactory(merchant_id="m-004", user=UserFactory(username="owner", email="owner@shop.example")).user
    MembershipFactory(merchant_id="m-001", user=owner)  # two shops in two chunks: one notice, of the first shop
    quiet = MembershipFactory(merchant_id="m-002", user=UserFactory(username="quiet", email="q@shop.example")).user
    Preference.objects.create(user=quiet, channels={Kind.RULE_CHANGED: []})  # an inbox entry, no e-mail
    gone = MembershipFactory(merchant_id="m-002", user=UserFactory(username="gone", email="gone@shop.example",
                                                                    is_active=False)).user
    _tighten("0.04")
    run_consumers()  # the consumer tells the first chunk in its own transaction, and notes how far it got
    announcement = Announcement.objects.get()
    assert (announcement.told_through, announcement.finished_at) == ("m-001", None)
    notices = Notification.objects.filter(kind=Kind.RULE_CHANGED)
    assert set(notices.values_list("merchant_id", flat=True)) == {"m-000", "m-001"}
    tasks.send_notifications()  # after that commit (and every minute): the rest, a chunk a transaction
    assert Announcement.objects.get().finished_at is not None
    assert notices.filter(user__isnull=False).count() == 7 and notices.filter(webhook__isnull=False).count() == 2
    assert list(notices.filter(user=owner).values_list("merchant_id", flat=True)) == ["m-001"]
    assert not notices.filter(user=gone).exists()
    assert not Delivery.objects.filter(notification__user=quiet).exists()
    assert Delivery.objects.filter(channel=Channel.EMAIL).count() == 6
    assert Delivery.objects.filter(channel=Channel.WEBHOOK).count() == 2
    made = (Notification.objects.count(), Delivery.objects.count())
    note = notices.get(user=owner)
    again = consumers.Notice(note.key, note.kind, "m-004", note.subject_id, note.context, note.position)
    assert not consumers.notify_merchants([again] * 3)  # told already, for whichever of its shops
    run_consumers()
    assert not consumers.continue_announcements()
    assert (Notification.objects.count(), Delivery.objects.count()) == made


def test_a_batch_is_told_in_the_order_of_its_events():
    _shops(0, 1)
    shop, today = "m-000", timezone.localdate()

    def warn(point):
        case_services.warning_raise(merchant_id=shop, risk_point=point, window_start=today, window_end=today,
                                    value=0, threshold=0, explanation={}, as_of=today)

    warn("complaint_rate")
    _tighten("0.04")
    warn("negative_review_rate")
    run_consumers()  # one batch of the three events
    told = list(Notification.objects.filter(user__username="staff-0").order_by("pk").values_list("kind", "position"))
    assert [kind for kind, _position in told] == [Kind.WARNING_RAISED, Kind.RULE_CHANGED, Kind.WARNING_RAISED]
    assert [position for _kind, position in told] == sorted(position for _kind, position in told)


def _punished(first, count):
    """`count` shops, each with a violation and the penalty enforcement imposes for it; their violations."""
    _shops(first, count)
    violations = [case_services.violation_record(
        merchant_id=f"m-{i:03d}", risk_point="complaint_rate", value=Decimal("0.06"), threshold=Decimal("0.05"),
        explanation={}, window_start=date(2026, 5, 1), window_end=date(2026, 5, 30), as_of=date(2026, 6, 6))
        for i in range(first, first + count)]
    drain(["enforcement.violations"])
    return violations


def test_a_batch_of_cases_appeals_and_penalties_is_told_in_the_same_queries_whatever_its_size():
    def night(first, count):
        """A violation for each of `count` shops (enforcement imposes a penalty), then an appeal of each."""
        violations = _punished(first, count)
        for violation in violations:
            case_services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant(violation.merchant_id),
                                        statement="Not us.")
        with CaptureQueriesContext(connection) as queries:
            drain([consumers.NAME])
        return len(queries)

    run_consumers()  # the consumer's checkpoint made: not counted below
    small, large = night(0, 1), night(1, 6)
    assert small == large
    told = set(Notification.objects.filter(user__username="staff-6").values_list("kind", flat=True))
    assert told == {Kind.VIOLATION_RECORDED, Kind.PENALTY_IMPOSED, Kind.APPEAL_RECEIVED}


def test_penalties_ending_soon_are_announced_in_the_same_queries_whatever_their_number():
    from enforcement.models import Penalty

    def announce(first, count):
        _punished(first, count)
        soon = Penalty.objects.filter(merchant_id__in=[f"m-{i:03d}" for i in range(first, first + count)])
        now = min(soon.values_list("ends_at", flat=True)) - timedelta(days=2)
        with CaptureQueriesContext(connection) as queries:
            announced = notify_expiring_penalties(now=now)
        return announced, len(queries), now

    one, one_queries, _now = announce(0, 1)
    five, five_queries, now = announce(1, 5)
    assert (one, five) == (1, 5) and one_queries == five_queries
    assert notify_expiring_penalties(now=now) == 0  # each told once
    expiring = Notification.objects.filter(kind=Kind.PENALTY_EXPIRING)
    assert expiring.filter(user__isnull=False).count() == 6
    assert expiring.filter(webhook__isnull=False).count() == 2  # m-000's and m-003's webhooks
    assert Delivery.objects.filter(notification__in=expiring).count() == 8


def test_a_large_announcement_goes_on_where_a_killed_worker_left_it(monkeypatch):
    monkeypatch.setattr(consumers, "CHUNK", 2)
    _shops(0, 7)
    _tighten("0.04")
    run_consumers()  # m-000, m-001
    told = []
    real = consumers.notify_merchants

    def dies_after_one_chunk(notices):
        if told:
            raise SystemExit("worker killed")  # the second chunk's transaction never commits
        told.append(real(notices))
        return told[-1]

    monkeypatch.setattr(consumers, "notify_merchants", dies_after_one_chunk)
    with pytest.raises(SystemExit):
        consumers.continue_announcements()
    assert Announcement.objects.get().told_through == "m-003"  # the chunk that committed is kept
    monkeypatch.setattr(consumers, "notify_merchants", real)
    assert not consumers.continue_announcements()
    by_merchant = Notification.objects.filter(kind=Kind.RULE_CHANGED, user__isnull=False)
    assert sorted(by_merchant.values_list("merchant_id", flat=True)) == [f"m-{i:03d}" for i in range(7)]


def test_admin_shows_how_far_an_announcement_got(admin_client, monkeypatch):
    monkeypatch.setattr(consumers, "CHUNK", 2)
    _shops(0, 3)
    _tighten("0.04")
    run_consumers()
    page = admin_client.get("/admin/notifications/announcement/")
    assert page.status_code == 200 and b"m-001" in page.content
    assert admin_client.get("/admin/notifications/announcement/add/").status_code == 403
