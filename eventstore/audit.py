"""The audit: every stream's hash chain recomputed, the log checked for deleted events, every stream's head
checked against its projection, plus checks other apps register (evidence files).

What a deletion can be proved by:
- in the middle of the log: each event since hash scheme 2 records the position of the event before it
  (`prev_position`, taken under the append lock, inside its hash), so a missing event is a link that
  points past its predecessor. Positions themselves may skip (a PostgreSQL sequence does not give back
  the number of a rolled-back append), so a hole in the numbers alone proves nothing and is not reported.
  Before scheme 2 (`prev_position` NULL) only the per-stream version chain finds a deleted event;
- at the end of a stream: the stream's last version must equal its projection's `version` (aggregates
  with a root row), or, for reference data, the number of a kind's events must equal the number of
  versions its first model holds (each such event adds exactly one). A deleted last event of the whole
  log that no projection counts is the one deletion these checks cannot see.
"""
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.db.models import Max, Q

from .aggregates import aggregate_classes
from .models import Event
from .reference import ReferenceStream
from .streams import stream_name

BATCH = 2000
_CHECKS = []  # callables returning a list of problem sentences


def register_audit_check(check):
    if check not in _CHECKS:
        _CHECKS.append(check)


@contextmanager
def snapshot():
    """Run the checks on one snapshot of the database, so an append committing meanwhile cannot make a
    stream's head and its projection look apart (REPEATABLE READ on PostgreSQL; a SQLite transaction
    reads one snapshot already). Inside a caller's transaction, that transaction's view is used."""
    using = router.db_for_read(Event)
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


@dataclass
class BrokenLink:
    position: int
    stream: str
    version: int
    problem: str

    def __str__(self):
        return f"event #{self.position} ({self.stream}@{self.version}): {self.problem}"


def verify_log():
    """(broken, gaps): the first broken event of every stream whose hash chain does not hold, and every
    event whose recorded predecessor is not the event before it in the log; both in position order."""
    heads = {}  # stream -> (version, hash) of the last event seen
    broken = {}
    gaps = []
    previous = 0  # position of the event before this one in the log
    for row in Event.objects.order_by("pk").iterator(chunk_size=BATCH):
        if row.prev_position is not None and row.prev_position != previous:
            if row.prev_position > previous:
                problem = f"appended after event #{row.prev_position}, which is missing (deleted)"
            else:
                problem = f"appended after event #{row.prev_position}, yet #{previous} precedes it (inserted)"
            gaps.append(BrokenLink(row.pk, row.stream, row.version, problem))
        previous = row.pk
        if row.stream in broken:
            continue
        version, prev_hash = heads.get(row.stream, (0, ""))
        problem = None
        expected_hash = row.compute_hash()
        if row.version != version + 1:
            problem = f"version {row.version} follows {version}"
        elif row.prev_hash != prev_hash:
            problem = "prev_hash does not match the previous event's hash"
        elif expected_hash is None:
            problem = f"unknown hash scheme {row.hash_scheme}"
        elif expected_hash != row.hash:
            problem = "hash does not match the event's content"
        if problem:
            broken[row.stream] = BrokenLink(row.pk, row.stream, row.version, problem)
        else:
            heads[row.stream] = (row.version, row.hash)
    return sorted(broken.values(), key=lambda link: link.position), gaps


def verify_chains():
    """The first broken event of every stream whose hash chain does not hold, in position order."""
    return verify_log()[0]


def _kind_events(kind):
    return Event.objects.filter(Q(stream__startswith=f"{kind}-") | Q(stream__startswith=f"{kind}:"))


def verify_heads():
    """Sentences naming every stream whose last event does not match its projection (one query per
    aggregate kind for the events, one for the rows)."""
    problems = []
    for kind, cls in sorted(aggregate_classes().items()):
        model = cls.models[0]
        name = model._meta.verbose_name
        if issubclass(cls, ReferenceStream):
            events = _kind_events(kind).count()
            rows = model.objects.count()
            if events != rows:
                problems.append(f"{kind} streams: {events} event(s) but {rows} {name} row(s)"
                                + (" (events deleted)" if events < rows else ""))
            continue
        last = dict(_kind_events(kind).values("stream").annotate(last=Max("version")).values_list("stream", "last"))
        for pk, version in model.objects.values_list("pk", "version").iterator(chunk_size=BATCH):
            stream = stream_name(kind, pk)
            head = last.pop(stream, 0)
            if head == version:
                continue
            if head < version:
                problems.append(f"stream {stream}: last event is version {head}, but the {name} is at version "
                                f"{version} (its last event(s) deleted)")
            else:
                problems.append(f"stream {stream}: last event is version {head}, but the {name} is at version "
                                f"{version} (the projection is behind)")
        for stream, head in sorted(last.items()):
            problems.append(f"stream {stream}: last event is version {head}, but there is no {name} row")
    return problems


def run_checks():
    """Problems found by the registered checks (e.g. evidence files missing or changed)."""
    return [problem for check in _CHECKS for problem in check()]
