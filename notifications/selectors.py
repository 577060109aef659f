"""Reads of the inbox: a user sees only their own notifications."""
from .models import Notification


def inbox(user):
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_count(user):
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
