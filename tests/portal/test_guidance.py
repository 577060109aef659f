"""Guidance per risk point, in Simplified Chinese and English: shipped as version 1, written by reviewers in
admin as new versions (never an edit in place), and shown to merchants in their language."""
import pytest
from django.contrib.auth.models import Group
from django.test import Client

from portal.models import GuidanceVersion
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _sequence_past_the_shipped_rows(django_db_blocker):
    """The shipped rows come back with their ids after each flush; a `manage.py flush` elsewhere in the suite
    restarts PostgreSQL's id sequence, so move it past them (what a real database never needs)."""
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [GuidanceVersion]):
            cursor.execute(sql)


def test_every_risk_point_ships_guidance_in_both_languages():
    from cases.models import RiskPoint

    shipped = set(GuidanceVersion.objects.filter(version=1).values_list("risk_point", "language"))
    assert shipped == {(p, lang) for p in RiskPoint.values for lang in ("zh-hans", "en")}


def test_the_merchant_reads_the_guidance_in_their_language(web):
    english = web.get("/merchant/guidance/negative_review_rate/").content.decode()
    assert "How to improve" in english and "redeemed" in english
    web.cookies["django_language"] = "zh-hans"
    chinese = web.get("/merchant/guidance/negative_review_rate/").content.decode()
    assert "差评" in chinese and "核销" in chinese
    assert web.get("/merchant/guidance/mood/").status_code == 404


def test_a_reviewer_publishes_a_new_version_and_the_old_one_stays_as_written(web):
    reviewer = StaffUserFactory(username="rita")
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    desk = Client()
    desk.force_login(reviewer)
    original = GuidanceVersion.objects.get(risk_point="complaint_rate", language="en", version=1)

    form = desk.get("/admin/portal/guidanceversion/add/?risk_point=complaint_rate&language=en")
    assert original.improve in form.content.decode()  # starts from the latest text
    response = desk.post("/admin/portal/guidanceversion/add/", {
        "risk_point": "complaint_rate", "language": "en", "meaning": original.meaning,
        "computation": original.computation, "improve": "Call every complaining customer back within a day.",
        "appeal": original.appeal, "reminder": original.reminder})
    assert response.status_code == 302

    versions = list(GuidanceVersion.objects.filter(risk_point="complaint_rate", language="en").order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].improve == original.improve and versions[1].created_by == reviewer
    assert "within a day" in web.get("/merchant/guidance/complaint_rate/").content.decode()
    # No version can be changed or deleted, even by a reviewer who can publish.
    change = desk.post(f"/admin/portal/guidanceversion/{original.pk}/change/", {"improve": "rewritten"})
    assert change.status_code in (302, 403) and GuidanceVersion.objects.get(pk=original.pk).improve == original.improve
    assert desk.post(f"/admin/portal/guidanceversion/{original.pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_api_gives_the_guidance_in_the_callers_language(api):
    english = api.get("/api/v1/guidance/merchant_refund_rate/").json()
    assert (english["language"], english["version"]) == ("en", 1) and "refund" in english["computation"]
    chinese = api.get("/api/v1/guidance/merchant_refund_rate/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert chinese["language"] == "zh-hans" and "商家原因" in chinese["computation"]
    assert api.get("/api/v1/guidance/mood/").status_code == 404
