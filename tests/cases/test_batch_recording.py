"""Recording many events, and many cases, in one unit of work: `append_batch`, `commit_batch` and the batch forms
of the services store exactly what one-at-a-time recording stores (versions, hash chains, `prev_position` links,
metadata, projections), and apply the same domain rules in order."""
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from cases import services
from cases.errors import ViolationOverlaps, WarningAlreadyOpen
from cases.models import Violation, Warning
from eventstore.actors import Actor
from eventstore.errors import ConcurrencyError, NotPermitted
from eventstore.models import Event
from eventstore.store import append, append_batch, new_event, read

from .conftest import judgement

pytestmark = pytest.mark.django_db


def _command(name, *args):
    out = io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=out)
        return 0, out.getvalue()
    except SystemExit as exit_:
        return exit_.code, out.getvalue()


def test_a_batch_chains_like_appends_one_at_a_time():
    first = append("s-a", "thing.happened", {"v": 1, "n": 0}, expected_version=0)
    head = Event.objects.order_by("-pk").first()
    a2, b1, a3 = append_batch([
        new_event("s-a", "thing.happened", {"v": 1, "n": 1}, expected_version=1, correlation_id="c-1"),
        new_event("s-b", "thing.happened", {"v": 1, "n": 2}, expected_version=0),
        new_event("s-a", "thing.happened", {"v": 1, "n": 3}, expected_version=2),
    ])
    assert (a2.version, b1.version, a3.version) == (2, 1, 3)
    assert (a2.prev_hash, b1.prev_hash, a3.prev_hash) == (first.hash, "", a2.hash)
    assert head.pk < a2.position < b1.position < a3.position
    rows = {row.pk: row for row in Event.objects.filter(pk__in=[a2.position, b1.position, a3.position])}
    assert [rows[e.position].prev_position for e in (a2, b1, a3)] == [head.pk, a2.position, b1.position]
    assert all(row.compute_hash() == row.hash for row in rows.values())
    assert a2.metadata["correlation_id"] == "c-1"
    assert [e.data["n"] for e in read("s-a")] == [0, 1, 3]
    assert _command("verify_audit")[0] == 0


def test_an_event_of_the_batch_can_be_caused_by_an_earlier_one():
    cause = new_event("s-a", "thing.happened", {"v": 1}, expected_version=0)
    recorded, effect = append_batch([cause, new_event("s-b", "thing.followed", {"v": 1}, causation_id=cause)])
    assert effect.metadata["causation_id"] == str(recorded.position)


def test_a_stale_event_in_a_batch_writes_nothing_of_it():
    append("s-a", "thing.happened", {"v": 1}, expected_version=0)
    before = Event.objects.count()
    with pytest.raises(ConcurrencyError):
        append_batch([new_event("s-b", "thing.happened", {"v": 1}, expected_version=0),
                      new_event("s-a", "thing.happened", {"v": 1}, expected_version=0)])
    assert Event.objects.count() == before


def _case(merchant_id="m-1", **overrides):
    return judgement(merchant_id, **overrides)


def test_violations_in_a_batch_escalate_open_warnings_and_refuse_overlaps_in_order(merchant, raise_warning):
    warning = raise_warning()
    earlier = services.violation_record(**_case(risk_point="negative_review_rate"))
    later_window = dict(window_start=date(2026, 6, 1), window_end=date(2026, 6, 30))
    results = services.violation_record_many([
        _case(),  # escalates the open warning of its key
        _case(risk_point="negative_review_rate"),  # overlaps `earlier`
        _case(**later_window),  # same key as the first, a later window: recorded, nothing left to escalate
        _case(window_start=date(2026, 6, 20), window_end=date(2026, 7, 19)),  # overlaps the one just above
    ], correlation_id="night-1")
    recorded, overlapping, later, overlapping_in_batch = results
    assert isinstance(recorded, Violation) and isinstance(later, Violation)
    assert isinstance(overlapping, ViolationOverlaps) and overlapping.context["last_window_end"] == earlier.window_end
    assert isinstance(overlapping_in_batch, ViolationOverlaps)
    warning.refresh_from_db()
    assert warning.state == "escalated"
    assert list(recorded.escalated_warnings.all()) == [warning]
    assert not later.escalated_warnings.exists()
    assert read(f"violation-{recorded.pk}")[0].data["warning_id"] == str(warning.pk)
    escalated = read(f"warning-{warning.pk}")[-1]
    opened = read(f"violation-{recorded.pk}")[0]
    assert escalated.type == "warning.escalated"
    assert escalated.metadata["causation_id"] == str(opened.position)
    assert {opened.metadata["correlation_id"], escalated.metadata["correlation_id"]} == {"night-1"}
    assert escalated.position > opened.position
    assert _command("verify_audit")[0] == 0
    assert _command("replay", "--verify")[0] == 0


def test_a_batch_of_one_stores_what_the_single_form_stores(merchant):
    single = services.violation_record(**_case())
    [batched] = services.violation_record_many([_case(merchant_id="m-2")])
    one, other = read(f"violation-{single.pk}")[0], read(f"violation-{batched.pk}")[0]
    assert one.type == other.type
    drop = {"violation_id", "merchant_id"}
    assert {k: v for k, v in one.data.items() if k not in drop} == {k: v for k, v in other.data.items() if k not in drop}
    assert set(one.metadata) == set(other.metadata) and one.metadata["actor_kind"] == other.metadata["actor_kind"]


def test_warnings_in_a_batch_keep_one_open_warning_per_key(merchant, raise_warning):
    existing = raise_warning()
    results = services.warning_raise_many([
        _case(value=Decimal("0.045"), threshold=Decimal("0.04")),
        _case(risk_point="negative_review_rate"),
        _case(risk_point="negative_review_rate"),
    ])
    refused, raised, duplicate = results
    assert isinstance(refused, WarningAlreadyOpen) and refused.context["warning_id"] == existing.pk
    assert isinstance(raised, Warning) and raised.state == "open"
    assert isinstance(duplicate, WarningAlreadyOpen) and duplicate.context["warning_id"] == raised.pk
    assert Warning.objects.filter(risk_point="negative_review_rate").count() == 1
    assert _command("replay", "--verify")[0] == 0


def test_the_system_resolves_warnings_in_a_batch(merchant, raise_warning):
    first, second = raise_warning(), raise_warning(risk_point="negative_review_rate")
    resolved = services.warning_resolve_many([(first.pk, "back under"), (str(second.pk), "back under too")])
    assert [w.state for w in resolved] == ["resolved", "resolved"]
    assert [read(f"warning-{w.pk}")[-1].data["reason"] for w in (first, second)] == ["back under", "back under too"]
    assert _command("verify_audit")[0] == 0


def test_only_the_system_records_in_batches(merchant, reviewer):
    with pytest.raises(NotPermitted):
        services.warning_raise_many([_case()], actor=Actor.reviewer(reviewer))
    with pytest.raises(NotPermitted):
        services.warning_resolve_many([], actor=Actor.merchant("m-1"))
    assert services.violation_record_many([]) == services.warning_raise_many([]) == []
