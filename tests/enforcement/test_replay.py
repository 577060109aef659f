"""`replay --verify` rebuilds penalties and restrictions identical to the live ones."""
import pytest
from django.core.management import call_command

from enforcement.models import Penalty, Restriction
from eventstore.replay import compare, rebuild

pytestmark = pytest.mark.django_db


def test_replay_rebuilds_penalties_and_restrictions_identical_to_live(record, decide_appeal, senior, senior2):
    from enforcement import services
    v = record()
    for _ in range(4):
        record()
    removal = Penalty.objects.get(kind="store_removal")
    services.penalty_approve(penalty_id=removal.pk, reviewer=senior)
    services.penalty_approve(penalty_id=removal.pk, reviewer=senior2)
    decide_appeal(v, accept=True)
    rebuilt = rebuild()
    # The overturn re-steps the four that stand: each is lifted at its old rung and imposed one lower.
    assert len(rebuilt[Penalty]) == Penalty.objects.count() == 9
    assert len(rebuilt[Restriction]) == 1
    assert compare(rebuilt) == []
    call_command("replay", "--verify")


def test_replay_notices_a_tampered_restriction(record):
    record()
    Restriction.objects.update(public_warning=False)
    assert any(d.model == "enforcement.Restriction" for d in compare(rebuild()))
