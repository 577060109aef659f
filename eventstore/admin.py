"""The log itself and the consumers' checkpoints, for auditors: read-only (the database refuses changes anyway)."""
from django.contrib import admin
from django.utils.translation import gettext_lazy

from riskcase.lib.admin import ReadOnlyAdmin

from .models import Checkpoint, Event


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """The log itself, for auditors: read-only (the database refuses changes anyway)."""

    list_display = ("id", "stream", "version", "type", "actor", "occurred_at", "recorded_at")
    show_full_result_count = False
    list_filter = ("type",)
    search_fields = ("=stream",)
    ordering = ("-id",)

    @admin.display(description=gettext_lazy("actor"))
    def actor(self, obj):
        return f"{obj.metadata.get('actor_kind')}:{obj.metadata.get('actor_id') or ''}".rstrip(":")


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ("consumer", "position", "updated_at")
