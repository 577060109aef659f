"""/ leads each kind of user to their place; unknown pages and crashes answer with the site's own styled
pages in the reader's language; the rates page's date inputs start filled in."""
import pytest
from django.test import Client

from tests.factories import StaffUserFactory


def test_the_start_page_leads_merchants_to_the_diagnosis_and_reviewers_to_their_desk(web, db):
    assert Client().get("/").url == "/merchant/" and Client().get("/merchant/").url.startswith("/accounts/login/")
    assert web.get("/")["Location"] == "/merchant/"
    reviewer = Client()
    reviewer.force_login(StaffUserFactory(username="rita"))
    assert reviewer.get("/")["Location"] == "/admin/"


@pytest.mark.parametrize(("language", "words"), [("en", "Page not found"), ("zh-hans", "页面不存在")])
def test_an_unknown_page_is_the_sites_own_404_in_the_readers_language(web, language, words, settings):
    settings.DEBUG = False
    web.cookies["django_language"] = language
    response = web.get("/merchant/nothing-here/")
    assert response.status_code == 404
    body = response.content.decode()
    assert words in body and "site.css" in body


@pytest.mark.parametrize(("language", "words"), [("en", "Something went wrong"), ("zh-hans", "出错了")])
def test_a_crash_is_the_sites_own_500_in_the_readers_language(language, words, db):
    from django.utils import translation

    from riskcase.api.exceptions import server_error

    request = Client().get("/").wsgi_request
    with translation.override(language):
        response = server_error(request)
    assert response.status_code == 500 and words in response.content.decode()


def test_the_rates_page_prefills_its_date_inputs_in_iso_form(web, merchant):
    body = web.get("/merchant/rates/").content.decode()
    assert 'type="date" name="start" value="2026-05-31"' in body.replace("  ", " ")
    assert 'value="2026-06-29"' in body
