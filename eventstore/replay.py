"""Rebuilding every projection from the event log, comparing it with the live tables, replacing them.

Aggregates (eventstore.aggregates) are rebuilt by applying each event with the same handlers the
services use. Derived projections (a merchant's restrictions, folded from its penalties) register a
function that builds their rows from the rebuilt aggregates' rows: `register_projection`.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from enum import Enum

from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from .aggregates import _AGGREGATES, EventContext
from .store import read
from .streams import parse_stream

BATCH = 2000
_DERIVED = []  # (models, derive(rows) -> {model: {pk: row}})


class ReplayError(Exception):
    """The log cannot be replayed (an unknown type in an aggregate's stream, a transition refused)."""


def register_projection(models_, derive):
    """Let an app add projections derived from the rebuilt rows: `derive(rows)` returns {model: {pk: row}}."""
    if (list(models_), derive) not in _DERIVED:
        _DERIVED.append((list(models_), derive))


def projection_models():
    """Every rebuilt model, in dependency order (a row's foreign keys point to models before it)."""
    seen = []
    for cls in _AGGREGATES.values():
        seen.extend(m for m in cls.models if m not in seen)
    for models_, _ in _DERIVED:
        seen.extend(m for m in models_ if m not in seen)
    return seen


def rebuild():
    """Every projection row, rebuilt in memory from the log: {model: {pk: row}}."""
    aggregates = {}
    rows = defaultdict(dict)
    for model in projection_models():
        rows[model]  # noqa: B018 - every model present, even with no rows
    after = 0
    while batch := read(after=after, limit=BATCH):
        for recorded in batch:
            after = recorded.position
            cls = _AGGREGATES.get(parse_stream(recorded.stream)[0])
            if cls is None:
                continue  # a stream no aggregate owns (none today)
            event = recorded.event
            if event is None:
                raise ReplayError(f"event #{recorded.position}: unknown type {recorded.type} in {recorded.stream}")
            aggregate = aggregates.setdefault(recorded.stream, cls())
            try:
                changed = aggregate.apply(event, EventContext(recorded.occurred_at, recorded.actor))
            except Exception as exc:
                raise ReplayError(f"event #{recorded.position} ({recorded.type}) does not apply: {exc}") from exc
            if aggregate.stream != recorded.stream or aggregate.version != recorded.version:
                raise ReplayError(f"event #{recorded.position} is out of place in {recorded.stream}")
            for row in changed:
                rows[type(row)][row.pk] = row
    for _, derive in _DERIVED:
        rows.update(derive(rows))
    return dict(rows)


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
    return {f.attname: _normalise(f, f.value_from_object(row)) for f in type(row)._meta.concrete_fields
            if not getattr(f, "auto_now_add", False) and not getattr(f, "auto_now", False)}


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
    for model in projection_models():
        label = model._meta.label
        expected = {_normalise(model._meta.pk, pk): row_values(row) for pk, row in rebuilt.get(model, {}).items()}
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
        for model in reversed(projection_models()):
            model.objects.all().delete()
        for model in projection_models():
            model.objects.bulk_create(rebuilt.get(model, {}).values(), batch_size=500)
