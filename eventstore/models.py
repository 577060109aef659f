"""The event store's tables: the append-only event log and the consumers' checkpoints.

The events are the truth; every other table is a projection of them. The tables keep the names they
had when they lived in the cases app (`cases_event`, `cases_checkpoint`): moving them here changed
Django's state only, so no database rewrote or lost an event. Database triggers refuse UPDATE and
DELETE on the events table (cases migration 0004).
"""
import hashlib
import json
from datetime import UTC

from django.db import models
from django.utils.translation import gettext_lazy as _


def canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def format_instant(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(*, stream, version, type, data, metadata, occurred_at, prev_hash):
    """SHA-256 over the canonical JSON of what an event says, chained to the stream's previous hash."""
    body = canonical_json([stream, version, type, data, metadata, format_instant(occurred_at), prev_hash])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class Event(models.Model):
    """One event. `id` is the global position; (stream, version) is unique and gap-free per stream."""

    id = models.BigAutoField(_("position"), primary_key=True)
    stream = models.CharField(_("stream"), max_length=200)
    version = models.PositiveIntegerField(_("version"))
    type = models.CharField(_("type"), max_length=100)
    data = models.JSONField(_("data"))
    metadata = models.JSONField(_("metadata"))
    occurred_at = models.DateTimeField(_("occurred at"))
    recorded_at = models.DateTimeField(_("recorded at"))
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        db_table = "cases_event"
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["stream", "version"], name="event_stream_version_unique"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="event_version_positive"),
        ]
        indexes = [models.Index(fields=["type", "id"], name="event_type_position")]

    def __str__(self):
        return f"#{self.pk} {self.stream}@{self.version} {self.type}"

    @property
    def position(self):
        return self.pk

    def compute_hash(self):
        return event_hash(
            stream=self.stream, version=self.version, type=self.type, data=self.data,
            metadata=self.metadata, occurred_at=self.occurred_at, prev_hash=self.prev_hash,
        )


class Checkpoint(models.Model):
    """How far a consumer has processed the event log, moved in the same transaction as its effects."""

    consumer = models.CharField(_("consumer"), max_length=100, primary_key=True)
    position = models.BigIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "cases_checkpoint"
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")

    def __str__(self):
        return f"{self.consumer} @ {self.position}"
