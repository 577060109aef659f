"""A won appeal lifts the penalties resting on the violation; the endpoint says so on the next read."""
import pytest

from cases import services as case_services
from enforcement.models import Penalty, PenaltyState
from eventstore.actors import Actor
from tests.factories import ServiceTokenFactory

from .conftest import drain_consumer

pytestmark = pytest.mark.django_db


def get(client, token, merchant_id="m1"):
    return client.get(f"/api/v1/restrictions/{merchant_id}/", HTTP_AUTHORIZATION=f"Bearer {token.raw}")


def test_won_appeal_lifts_the_penalty_and_the_next_read_shows_it(client, record, decide_appeal):
    token = ServiceTokenFactory()
    violation = record()
    assert get(client, token).json()["public_warning"] is True
    decide_appeal(violation, accept=True)
    assert Penalty.objects.get().state == PenaltyState.LIFTED
    body = get(client, token).json()
    assert body["public_warning"] is False
    assert body["position"] > 0


def test_lost_appeal_leaves_the_penalty(record, decide_appeal):
    violation = record()
    decide_appeal(violation, accept=False)
    assert Penalty.objects.get().state == PenaltyState.ACTIVE


def test_withdrawn_violation_lifts_and_re_evaluates_later_steps(record, reviewer):
    first = record()
    record()
    case_services.violation_withdraw(violation_id=first.pk, actor=Actor.reviewer(reviewer), reason="error")
    drain_consumer()
    states = dict(Penalty.objects.values_list("step", "state"))
    assert states == {1: PenaltyState.LIFTED, 2: PenaltyState.LIFTED}
