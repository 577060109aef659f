"""Reviewers work penalties in admin: lift by hand with a reason, approve from the queue, lists that stay cheap."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enforcement import consumers, services
from enforcement.models import Penalty, PenaltyKind, PenaltyState, Restriction, WebhookEndpoint
from eventstore.actors import Actor
from eventstore.store import read
from tests.enforcement.conftest import make_user
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


def lift_url(penalty):
    return reverse("admin:enforcement_penalty_lift", args=[penalty.pk])


def approve_url(penalty):
    return reverse("admin:enforcement_penalty_approve", args=[penalty.pk])


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def warning(record):
    """A public warning in force (step 1 is imposed at once)."""
    record()
    return Penalty.objects.get(merchant_id="m1", kind=PenaltyKind.PUBLIC_WARNING)


@pytest.fixture
def product_ban(record):
    """A product ban proposed at the fourth rung (a violation about a product): awaiting one reviewer."""
    record()
    record()
    record()
    record(risk_point="clustered_complaints", product_id="p1", value=Decimal(6))
    return Penalty.objects.get(kind=PenaltyKind.PRODUCT_BAN)


@pytest.fixture
def viewer(db):
    """Staff who may look at penalties but neither approve nor lift them."""
    return make_user("vic", "view_penalty", "view_restriction", "view_webhookdelivery", "view_webhookendpoint",
                     "view_policyversion")


def test_a_reviewer_lifts_a_penalty_by_hand_and_the_event_records_who_and_why(client, reviewer, warning):
    client.force_login(reviewer)

    page = client.get(lift_url(warning))
    assert page.status_code == 200
    assert page.context["penalty"] == warning
    assert [str(v.pk) for v in page.context["violations"]] == warning.violation_ids
    assert b"lift-form" in page.content

    done = client.post(lift_url(warning), {"reason": "The merchant refunded everyone.",
                                           "expected_version": warning.version}, follow=True)

    assert done.redirect_chain[0][0] == reverse("admin:enforcement_penalty_change", args=[warning.pk])
    assert any("Lifted" in m for m in messages_of(done))
    lifted = Penalty.objects.get(pk=warning.pk)
    assert lifted.state == PenaltyState.LIFTED
    assert (lifted.lift_cause, lifted.closed_reason) == ("reviewer", "The merchant refunded everyone.")
    assert lifted.closed_by == str(Actor.reviewer(reviewer))
    event = read(warning.stream)[-1]
    assert event.type == "penalty.lifted"
    assert event.data["reason"] == "The merchant refunded everyone."
    assert event.data["cause"] == "reviewer"
    assert event.actor == Actor.reviewer(reviewer)
    assert Restriction.objects.get(merchant_id="m1").public_warning is False


def test_an_empty_reason_is_refused_with_a_form_error_and_nothing_changes(client, reviewer, warning):
    client.force_login(reviewer)
    events_before = len(read(warning.stream))

    page = client.post(lift_url(warning), {"reason": "   ", "expected_version": warning.version})

    assert page.status_code == 200
    assert "reason" in page.context["form"].errors
    assert Penalty.objects.get(pk=warning.pk).state == PenaltyState.ACTIVE
    assert len(read(warning.stream)) == events_before
    assert Restriction.objects.get(merchant_id="m1").public_warning is True


def test_a_stale_page_ends_in_a_message_not_a_lost_update(client, reviewer, warning):
    client.force_login(reviewer)
    stale = warning.version - 1

    page = client.post(lift_url(warning), {"reason": "looked fine yesterday", "expected_version": stale})

    assert page.status_code == 200
    assert any("Someone else changed this penalty" in m for m in messages_of(page))
    assert page.context["form"].initial == {"reason": "looked fine yesterday", "expected_version": warning.version}
    assert Penalty.objects.get(pk=warning.pk).state == PenaltyState.ACTIVE


def test_a_penalty_already_over_cannot_be_lifted_again(client, reviewer, warning):
    services.penalty_lift(penalty_id=warning.pk, actor=Actor.reviewer(reviewer), reason="first")
    client.force_login(reviewer)

    page = client.post(lift_url(warning), {"reason": "again", "expected_version": 99}, follow=True)

    assert any("can no longer be lifted" in m for m in messages_of(page))
    assert [e.type for e in read(warning.stream)].count("penalty.lifted") == 1


def test_staff_without_the_lift_permission_are_refused_and_see_no_lift_button(client, viewer, warning):
    client.force_login(viewer)

    assert client.get(lift_url(warning)).status_code == 403
    assert client.post(lift_url(warning), {"reason": "x", "expected_version": warning.version}).status_code == 403
    assert Penalty.objects.get(pk=warning.pk).state == PenaltyState.ACTIVE
    change = client.get(reverse("admin:enforcement_penalty_change", args=[warning.pk]))
    assert change.status_code == 200 and lift_url(warning).encode() not in change.content
    listing = client.get(reverse("admin:enforcement_penalty_changelist"))
    assert lift_url(warning).encode() not in listing.content


def test_the_change_page_links_to_the_lift_page_for_a_reviewer(client, reviewer, warning):
    client.force_login(reviewer)
    change = client.get(reverse("admin:enforcement_penalty_change", args=[warning.pk]))
    assert lift_url(warning).encode() in change.content


def test_the_confirmation_queue_shows_approve_to_a_reviewer_and_approving_imposes(client, reviewer, product_ban):
    client.force_login(reviewer)
    queue = client.get(reverse("admin:enforcement_penalty_changelist"), {"queue": "confirm"})
    assert approve_url(product_ban).encode() in queue.content
    assert lift_url(product_ban).encode() in queue.content

    client.post(approve_url(product_ban), {"expected_version": product_ban.version})

    assert Penalty.objects.get(pk=product_ban.pk).state == PenaltyState.ACTIVE
    assert Restriction.objects.get(merchant_id="m1").banned_products == ["p1"]
    assert "penalty.approved" in [e.type for e in read(product_ban.stream)]


def test_the_four_eyes_queue_shows_approve_only_to_seniors_who_have_not_approved_yet(
        client, reviewer, senior, senior2, viewer, proposed_removal):
    queue = reverse("admin:enforcement_penalty_changelist")

    def approve_shown(user):
        client.force_login(user)
        return approve_url(proposed_removal).encode() in client.get(queue, {"queue": "four_eyes"}).content

    assert approve_shown(senior) and approve_shown(senior2)
    assert not approve_shown(reviewer)
    assert not approve_shown(viewer)

    services.penalty_approve(penalty_id=proposed_removal.pk, reviewer=senior)

    assert not approve_shown(senior)
    assert approve_shown(senior2)


def test_approving_from_a_stale_queue_page_is_a_message(client, senior, proposed_removal):
    client.force_login(senior)
    page = client.post(approve_url(proposed_removal), {"expected_version": proposed_removal.version - 1}, follow=True)
    assert page.status_code == 200
    assert any("changed by someone else" in m for m in messages_of(page))
    assert Penalty.objects.get(pk=proposed_removal.pk).approved_by == []


def test_staff_without_the_approve_permission_cannot_post_an_approval(client, viewer, product_ban):
    client.force_login(viewer)
    assert client.post(approve_url(product_ban), {"expected_version": product_ban.version}).status_code == 403
    assert Penalty.objects.get(pk=product_ban.pk).state == PenaltyState.PROPOSED


def _more_penalised_merchants(record, count):
    for i in range(count):
        MerchantFactory(merchant_id=f"q{i:02d}")
        record(merchant_id=f"q{i:02d}")


@pytest.mark.parametrize("list_name", [
    "admin:enforcement_penalty_changelist",
    "admin:enforcement_restriction_changelist",
    "admin:enforcement_webhookdelivery_changelist",
])
def test_admin_lists_cost_the_same_queries_for_one_row_and_for_twenty(
        client, senior, record, product_ban, django_assert_max_num_queries, list_name):
    WebhookEndpoint.objects.create(name="ads", url="http://127.0.0.1:9/hook", secret="s")
    superuser = make_user("root")
    superuser.is_superuser = True
    superuser.save()
    url = reverse(list_name)

    def load(user):
        while consumers.run_webhooks():
            pass
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    one = {user.pk: load(user) for user in (senior, superuser)}
    _more_penalised_merchants(record, 20)

    for user in (senior, superuser):
        while consumers.run_webhooks():
            pass
        client.force_login(user)
        with django_assert_max_num_queries(one[user.pk]):
            assert client.get(url).status_code == 200


def test_a_lift_in_admin_keeps_the_statement_and_the_internal_note_apart(client, reviewer, warning):
    client.force_login(reviewer)
    client.post(lift_url(warning), {"reason": "You refunded every customer.", "internal_note": "Call log 7781.",
                                    "expected_version": warning.version})
    lifted = Penalty.objects.get(pk=warning.pk)
    assert (lifted.closed_reason, lifted.internal_note) == ("You refunded every customer.", "Call log 7781.")


def test_the_protective_ban_queue_confirms_from_the_list(client, reviewer, record):
    record(risk_point="clustered_complaints", product_id="p7", value=Decimal(15))
    ban = Penalty.objects.get(protective=True)
    client.force_login(reviewer)
    queue = client.get(reverse("admin:enforcement_penalty_changelist"), {"queue": "protective"})
    confirm = reverse("admin:enforcement_penalty_confirm", args=[ban.pk])
    assert confirm.encode() in queue.content
    client.post(confirm, {"expected_version": ban.version})
    assert Penalty.objects.get(pk=ban.pk).confirmed_by == reviewer.pk
    assert confirm.encode() not in client.get(reverse("admin:enforcement_penalty_changelist"),
                                              {"queue": "protective"}).content


def test_a_reviewer_proposes_a_discretionary_penalty_from_admin(client, reviewer, merchant):
    from cases import services as case_services

    case = case_services.case_open_by_hand(merchant_id="m1", risk_point="public_opinion",
                                           actor=Actor.reviewer(reviewer), evidence_text="Viral video.")
    client.force_login(reviewer)
    page = client.post(reverse("admin:enforcement_penalty_propose"),
                       {"violation": case.pk, "step": 2, "statement": "Promotion paused while we investigate.",
                        "internal_note": "PR ticket 12"}, follow=True)
    assert page.status_code == 200
    penalty = Penalty.objects.get(discretionary=True)
    assert (penalty.kind, penalty.state, penalty.statement) == (
        "restricted_promotion", "active", "Promotion paused while we investigate.")
