"""The audit: every stream's hash chain recomputed, plus checks other apps register (evidence files)."""
from dataclasses import dataclass

from .models import Event

BATCH = 2000
_CHECKS = []  # callables returning a list of problem sentences


def register_audit_check(check):
    if check not in _CHECKS:
        _CHECKS.append(check)


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


def run_checks():
    """Problems found by the registered checks (e.g. evidence files missing or changed)."""
    return [problem for check in _CHECKS for problem in check()]
