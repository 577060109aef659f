"""The event store's tables: the append-only event log and the consumers' checkpoints.

The events are the truth; every other table is a projection of them. The tables keep the names they
had when they lived in the cases app (`cases_event`, `cases_checkpoint`): moving them here changed
Django's state only, so no database rewrote or lost an event. Database triggers refuse UPDATE and
DELETE on the events table (cases migration 0004), and on PostgreSQL TRUNCATE too (eventstore migration
0002; only a whole-database flush gets through, see eventstore.flush_guard).

Each event records the hash scheme that covers it (`hash_scheme`), so stored events are never rewritten
when the scheme grows: scheme 1 (events written before eventstore migration 0002) hashes what an event
says (stream, version, type, data, metadata, occurred_at) and the previous hash; scheme 2 hashes every
stored field: the position, the previous event's position, recorded_at and the scheme itself too.
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
    """Scheme 1: SHA-256 over the canonical JSON of what an event says, chained to the stream's previous hash."""
    body = canonical_json([stream, version, type, data, metadata, format_instant(occurred_at), prev_hash])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def event_hash_v2(*, position, prev_position, stream, version, type, data, metadata, occurred_at, recorded_at,
                  prev_hash):
    """Scheme 2: SHA-256 over the canonical JSON of every stored field of the event (all but the hash)."""
    body = canonical_json([2, position, prev_position, stream, version, type, data, metadata,
                           format_instant(occurred_at), format_instant(recorded_at), prev_hash])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


CURRENT_HASH_SCHEME = 2


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
    # Added by eventstore migration 0002 with a database default of 1, so the rows before it read as
    # scheme 1 (and have no prev_position) without being rewritten; store.append writes both.
    hash_scheme = models.PositiveSmallIntegerField(_("hash scheme"), default=CURRENT_HASH_SCHEME)
    prev_position = models.BigIntegerField(_("previous position"), null=True, blank=True)

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
        """The hash of this row under its own scheme (None for a scheme this code does not know)."""
        if self.hash_scheme == 1:
            return event_hash(
                stream=self.stream, version=self.version, type=self.type, data=self.data,
                metadata=self.metadata, occurred_at=self.occurred_at, prev_hash=self.prev_hash,
            )
        if self.hash_scheme == 2:
            return event_hash_v2(
                position=self.pk, prev_position=self.prev_position, stream=self.stream, version=self.version,
                type=self.type, data=self.data, metadata=self.metadata, occurred_at=self.occurred_at,
                recorded_at=self.recorded_at, prev_hash=self.prev_hash,
            )
        return None


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
