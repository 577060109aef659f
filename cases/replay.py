"""Rebuilding the projections from the event log, comparing them with the live tables, and
checking the hash chains. Replay applies events with the same aggregate code the services use.
"""
from dataclasses import dataclass, field
from enum import Enum

from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from .aggregates import STREAM_PREFIXES, Case, EventContext, apply
from .events import decode
from .eventstore import read
from .models import Appeal, AppealEvidence, Event, Violation, ViolationEvidence, Warning

# In dependency order: a row's foreign keys point only to rows of models before it.
PROJECTION_MODELS = [Violation, Warning, Appeal, AppealEvidence, ViolationEvidence]
BATCH = 2000
# Other apps' projections rebuilt from the same log: (models in dependency order, rebuild() -> {model: {pk: row}}).
EXTRA_PROJECTIONS = []


def register_projection(models_, rebuild_fn):
    """Let another app (enforcement) add its projections to `replay --verify/--rebuild`."""
    EXTRA_PROJECTIONS.append((list(models_), rebuild_fn))


def all_projection_models():
    return PROJECTION_MODELS + [m for models_, _ in EXTRA_PROJECTIONS for m in models_]


class ReplayError(Exception):
    """The log cannot be replayed (an unknown type in a case stream, a transition refused)."""


def rebuild():
    """Every projection row, rebuilt in memory from the log: {model: {pk: row}}."""
    cases = {}
    rows = {model: {} for model in PROJECTION_MODELS}
    after = 0
    while True:
        batch = read(after=after, limit=BATCH)
        if not batch:
            for _, rebuild_fn in EXTRA_PROJECTIONS:
                rows.update(rebuild_fn())
            return rows
        for recorded in batch:
            after = recorded.position
            if recorded.stream.split("-", 1)[0] not in STREAM_PREFIXES:
                continue  # other streams (thresholds, enforcement) are not case projections
            event = decode(recorded.type, recorded.data)
            if event is None:
                raise ReplayError(f"event #{recorded.position}: unknown type {recorded.type} in {recorded.stream}")
            case = cases.setdefault(recorded.stream, Case())
            try:
                changed = apply(case, event, EventContext(recorded.occurred_at, recorded.actor))
            except Exception as exc:
                raise ReplayError(f"event #{recorded.position} ({recorded.type}) does not apply: {exc}") from exc
            if case.root.stream != recorded.stream or case.root.version != recorded.version:
                raise ReplayError(f"event #{recorded.position} is out of place in {recorded.stream}")
            for row in changed:
                rows[type(row)][row.pk] = row


def _normalise(model_field, value):
    if value is None:
        return None
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(model_field, models.ForeignKey):
        model_field = model_field.target_field
    value = model_field.to_python(value)
    return value.value if isinstance(value, Enum) else value


def row_values(row):
    return {
        f.attname: _normalise(f, f.value_from_object(row)) for f in type(row)._meta.concrete_fields
    }


@dataclass
class Difference:
    model: str
    pk: object
    problem: str
    fields: dict = field(default_factory=dict)

    def __str__(self):
        detail = "; ".join(f"{name}: live {live!r} != replayed {replayed!r}"
                           for name, (live, replayed) in self.fields.items())
        return f"{self.model} {self.pk}: {self.problem}" + (f" ({detail})" if detail else "")


def compare(rebuilt):
    """Differences between the live projection tables and `rebuilt` (empty when they agree)."""
    differences = []
    for model in all_projection_models():
        label = model._meta.label
        expected = {pk: row_values(row) for pk, row in rebuilt[model].items()}
        expected = {_normalise(model._meta.pk, pk): values for pk, values in expected.items()}
        for row in model.objects.all().iterator(chunk_size=BATCH):
            live = row_values(row)
            replayed = expected.pop(row.pk, None)
            if replayed is None:
                differences.append(Difference(label, row.pk, "in the live table but not in the events"))
                continue
            changed = {k: (live[k], replayed[k]) for k in live if live[k] != replayed[k]}
            if changed:
                differences.append(Difference(label, row.pk, "differs from the events", changed))
        for pk in expected:
            differences.append(Difference(label, pk, "in the events but missing from the live table"))
    return differences


def replace(rebuilt):
    """Replace the live projection tables with `rebuilt`, in one transaction."""
    with transaction.atomic():
        for model in reversed(all_projection_models()):
            model.objects.all().delete()
        for model in all_projection_models():
            model.objects.bulk_create(rebuilt[model].values(), batch_size=500)


@dataclass
class BrokenLink:
    position: int
    stream: str
    version: int
    problem: str

    def __str__(self):
        return f"event #{self.position} ({self.stream}@{self.version}): {self.problem}"


def verify_chains():
    """The first broken event of every stream whose hash chain does not hold, in position order."""
    heads = {}  # stream -> (version, hash) of the last event seen
    broken = {}
    for row in Event.objects.order_by("pk").iterator(chunk_size=BATCH):
        if row.stream in broken:
            continue
        version, prev_hash = heads.get(row.stream, (0, ""))
        problem = None
        if row.version != version + 1:
            problem = f"version {row.version} follows {version}"
        elif row.prev_hash != prev_hash:
            problem = "prev_hash does not match the previous event's hash"
        elif row.compute_hash() != row.hash:
            problem = "hash does not match the event's content"
        if problem:
            broken[row.stream] = BrokenLink(row.pk, row.stream, row.version, problem)
        else:
            heads[row.stream] = (row.version, row.hash)
    return sorted(broken.values(), key=lambda link: link.position)


def verify_evidence_files():
    """Evidence files that are missing or whose SHA-256 differs from the event that attached them."""
    import hashlib

    from django.core.files.storage import default_storage

    problems = []
    for event in Event.objects.filter(type__in=["violation.recorded", "violation.appeal_submitted"]).order_by("pk"):
        for item in event.data.get("files", []) + event.data.get("evidence_files", []):
            if not default_storage.exists(item["path"]):
                problems.append(f"event #{event.pk}: evidence file {item['path']} ({item['name']}) is missing")
                continue
            digest = hashlib.sha256()
            with default_storage.open(item["path"], "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 16), b""):
                    digest.update(chunk)
            if digest.hexdigest() != item["sha256"]:
                problems.append(f"event #{event.pk}: evidence file {item['path']} ({item['name']}) was changed")
    return problems
