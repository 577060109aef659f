"""Writes of the inbox and the preferences (the deliveries are written by notifications.delivery)."""
from django.db import transaction
from django.utils import timezone

from . import delivery
from .models import Kind, Notification, Preference


def notification_read(*, user, notification_id):
    """The staff user opened a notification of their inbox (another user's is Notification.DoesNotExist).
    Opening a violation's notice counts as its delivery: the appeal window starts if it had not."""
    now = timezone.now()
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id, user=user)
        if notification.read_at is None:
            notification.read_at = now
            notification.save(update_fields=["read_at"])
        if notification.kind == Kind.VIOLATION_RECORDED:
            delivery.notice_arrived(notification.subject_id, now, "inbox")
    return notification


def preference_update(*, user, **fields):
    """Save the user's language, addresses and channels per kind (validated by the caller's serializer/form)."""
    preference, _ = Preference.objects.get_or_create(user=user)
    for name, value in fields.items():
        setattr(preference, name, value)
    preference.save()
    return preference
