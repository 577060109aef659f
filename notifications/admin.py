from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import delivery
from .models import Announcement, Delivery, MerchantWebhook, Notification, Preference


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Every delivery; filter state "failed" for the ones that gave up after the last retry."""

    list_display = ("id", "notification", "channel", "state", "attempts", "next_attempt_at", "sent_at", "last_error")
    list_filter = ("state", "channel", "notification__kind")
    search_fields = ("notification__merchant__merchant_id", "notification__user__username")
    list_select_related = ("notification__user", "notification__webhook")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Retry the selected failed deliveries"), permissions=["change"])
    def retry(self, request, queryset):
        n = delivery.retry(queryset)
        self.message_user(request, ngettext("%d delivery queued again.", "%d deliveries queued again.", n) % n,
                          messages.SUCCESS)



@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "merchant_id", "user", "webhook", "kind", "read_at")
    list_filter = ("kind",)
    search_fields = ("merchant__merchant_id", "user__username")
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    """A rule change's announcement to its category: how far it got (read only; send_notifications goes on)."""

    list_display = ("position", "told_through", "finished_at", "created_at")
    list_filter = (("finished_at", admin.EmptyFieldListFilter),)
    readonly_fields = [f.name for f in Announcement._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MerchantWebhook)
class MerchantWebhookAdmin(admin.ModelAdmin):
    list_display = ("merchant", "url", "active", "created_at")
    raw_id_fields = ("merchant",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a URL typed without one: https


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "language")
    raw_id_fields = ("user",)
