"""The restrictions endpoint's fast paths (enforcement/api/fastpath.py, issue 17) answer exactly what the
full stack (RestrictionsView under every middleware) answers: the same bytes and headers for a success,
cold and warm, and every other request handed on to the view, so its errors stay as they were. The token
rule is the same one: a revoked, expired or under-scoped token is refused, a revocation that was not
announced within RISKCASE_SERVICE_TOKEN_CACHE_SECONDS. The WSGI shortcut in front of Django (riskcase/wsgi.py)
answers only a cache hit with a token this process remembers, and hands everything else to Django."""
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory, override_settings
from django.urls import resolve
from django.utils import timezone

from enforcement import cache, selectors
from enforcement.api import fastpath
from enforcement.api.views import RestrictionsView
from enforcement.models import Restriction
from metrics import authentication
from tests.factories import ServiceTokenFactory

pytestmark = pytest.mark.django_db

FULL_STACK = [m for m in settings.MIDDLEWARE if m != "enforcement.api.fastpath.RestrictionsFastPathMiddleware"]
URL = "/api/v1/restrictions/m1/"


@pytest.fixture(autouse=True)
def fresh_token_memory():
    authentication.forget_verified_tokens()
    yield
    authentication.forget_verified_tokens()


@pytest.fixture
def view_calls(monkeypatch):
    """The requests that reached RestrictionsView (the fast path did not answer them)."""
    calls = []
    original = RestrictionsView.dispatch

    def dispatch(self, request, *args, **kwargs):
        calls.append(request.path)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(RestrictionsView, "dispatch", dispatch)
    return calls


def answer(client, url=URL, **headers):
    """(status, body bytes, headers) with a fixed request id, so two answers can be compared whole."""
    response = client.get(url, HTTP_X_REQUEST_ID="same-id", **headers)
    return response.status_code, response.content, dict(response.headers)


def full_stack(client, url=URL, **headers):
    """The answer without the fast path (a new client: a client loads its middleware on its first request)."""
    with override_settings(MIDDLEWARE=FULL_STACK):
        return answer(Client(), url, **headers)


@pytest.mark.redis
@pytest.mark.parametrize("language", [None, "zh-hans", "en-US,en;q=0.8"])
def test_a_success_is_byte_for_byte_what_the_view_answers_cold_and_warm(client, record, view_calls, language):
    record()
    record(product_id="p-3")
    token = ServiceTokenFactory(scopes=["restrictions:read"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"}
    if language:
        auth["HTTP_ACCEPT_LANGUAGE"] = language

    cache.forget_all()
    cold = answer(client, **auth)
    cache.forget_all()
    assert full_stack(client, **auth) == cold
    warm = answer(client, **auth)
    assert full_stack(client, **auth) == warm
    assert view_calls == [URL, URL]  # only the full-stack requests reached the view

    assert cold[0] == warm[0] == 200
    assert cold[1].startswith(b'{"merchant_id":"m1",')  # the row's order, as the view always answered
    assert warm[1].startswith(b'{"banned_products":')  # the cached document's (sorted) order, likewise
    assert warm[2]["Content-Type"] == "application/json" and warm[2]["Allow"] == "GET, HEAD, OPTIONS"
    assert warm[2]["X-Request-ID"] == "same-id" and warm[2]["X-Frame-Options"] == "DENY"


def test_a_merchant_with_no_restriction_gets_the_default_document_as_before(client, view_calls):
    token = ServiceTokenFactory(scopes=["restrictions:read"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"}
    cold = answer(client, "/api/v1/restrictions/nobody/", **auth)
    cache.forget_all()
    assert cold[0] == 200 and cold == full_stack(client, "/api/v1/restrictions/nobody/", **auth)
    assert not Restriction.objects.filter(merchant_id="nobody").exists()
    assert view_calls == ["/api/v1/restrictions/nobody/"]


def refused_cases():
    now = timezone.now()
    return {
        "no header": (None, {}),
        "not a bearer": ("Token abc", {}),
        "malformed": ("Bearer a b", {}),
        "unknown token": ("Bearer rcs_nothing", {}),
        "revoked": ({"revoked_at": now}, {}),
        "expired": ({"expires_at": now - timedelta(seconds=1)}, {}),
        "without the scope": ({"scopes": ["ingest"]}, {}),
        "an Accept it cannot satisfy": ({}, {"HTTP_ACCEPT": "text/html"}),
        "an Accept with parameters": ({}, {"HTTP_ACCEPT": "application/json; indent=2"}),
        "a bad Host": ({}, {"HTTP_HOST": "evil.example"}),
    }


@pytest.mark.parametrize("case", list(refused_cases()))
def test_every_other_request_is_answered_by_the_view_as_before(client, view_calls, case):
    credential, extra = refused_cases()[case]
    if isinstance(credential, dict):
        extra = {**extra, "HTTP_AUTHORIZATION": f"Bearer {ServiceTokenFactory(**credential).raw}"}
    elif credential is not None:
        extra = {**extra, "HTTP_AUTHORIZATION": credential}

    selectors.restriction_document("m1")  # cached, so both answers below are warm ones
    mine = answer(client, **extra)

    assert view_calls == [URL] or (case == "a bad Host" and view_calls == [])  # CommonMiddleware's 400 first
    assert mine == full_stack(client, **extra)
    expected = {"revoked": 401, "expired": 401, "unknown token": 401, "malformed": 401, "no header": 401,
                "not a bearer": 401, "without the scope": 403, "an Accept it cannot satisfy": 406,
                "an Accept with parameters": 200, "a bad Host": 400}[case]
    assert mine[0] == expected


@pytest.mark.parametrize("method", ["head", "options"])
def test_other_methods_and_query_strings_go_to_the_view(client, view_calls, method):
    token = ServiceTokenFactory(scopes=["restrictions:read"])
    assert getattr(client, method)(URL, HTTP_AUTHORIZATION=f"Bearer {token.raw}").status_code == 200
    assert client.get(URL + "?format=json", HTTP_AUTHORIZATION=f"Bearer {token.raw}").status_code == 200
    assert view_calls == [URL, URL]


@pytest.mark.parametrize("path", ["/api/v1/restrictions/m1/", "/api/v1/restrictions/r-00001/",
                                  "/api/v1/restrictions/商户/", "/api/v1/restrictions/a.b%20c/"])
def test_the_paths_it_answers_are_the_views_paths(path):
    match = fastpath.PATH.fullmatch(path)
    assert match is not None
    found = resolve(path)
    assert found.func.view_class is RestrictionsView and found.kwargs == {"merchant_id": match.group(1)}


@pytest.mark.parametrize("path", ["/api/v1/restrictions/", "/api/v1/restrictions/m1", "/api/v1/restrictions/a/b/",
                                  "/api/v1/restrictions//", "/api/v2/restrictions/m1/"])
def test_it_leaves_every_other_path_alone(path):
    assert fastpath.PATH.fullmatch(path) is None


def test_a_revocation_no_one_announced_is_refused_once_the_memory_is_older_than_the_setting(client, settings):
    """The bound when the revocation does not reach this process (Redis down, no listener): a verified token
    is trusted from memory for at most RISKCASE_SERVICE_TOKEN_CACHE_SECONDS."""
    settings.RISKCASE_SERVICE_TOKEN_CACHE_SECONDS = 1
    token = ServiceTokenFactory(scopes=["restrictions:read"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"}
    assert client.get(URL, **auth).status_code == 200
    verified_at = time.monotonic()
    type(token).objects.filter(pk=token.pk).update(revoked_at=timezone.now())  # no announce_revocation()

    response = client.get(URL, **auth)
    if time.monotonic() - verified_at < 1:
        assert response.status_code == 200  # still within the bound: remembered
    time.sleep(max(0.0, 1.05 - (time.monotonic() - verified_at)))
    assert client.get(URL, **auth).status_code == 401


def test_an_announced_revocation_is_refused_on_the_next_request(client, settings):
    settings.RISKCASE_SERVICE_TOKEN_CACHE_SECONDS = 3600
    token = ServiceTokenFactory(scopes=["restrictions:read"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"}
    assert client.get(URL, **auth).status_code == 200
    type(token).objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    authentication.announce_revocation()  # outside a transaction: published (and forgotten here) at once
    assert client.get(URL, **auth).status_code == 401


def test_a_token_that_expires_while_remembered_is_refused_at_its_expiry(client, settings, time_machine):
    settings.RISKCASE_SERVICE_TOKEN_CACHE_SECONDS = 3600
    time_machine.move_to(timezone.now(), tick=False)
    token = ServiceTokenFactory(scopes=["restrictions:read"], expires_at=timezone.now() + timedelta(minutes=1))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"}
    assert client.get(URL, **auth).status_code == 200
    time_machine.shift(timedelta(minutes=1))
    assert client.get(URL, **auth).status_code == 401


@pytest.mark.redis
def test_with_redis_refusing_it_answers_from_the_database(client, record, settings, view_calls):
    record()
    token = ServiceTokenFactory(scopes=["restrictions:read"])
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there: refused at once
    settings.RISKCASE_SERVICE_TOKEN_CACHE_SECONDS = 5

    status, body, _ = answer(client, HTTP_AUTHORIZATION=f"Bearer {token.raw}")

    assert status == 200 and view_calls == []
    assert body == fastpath._renderer.render(Restriction.objects.get(merchant_id="m1").document())


def test_the_precompiled_row_read_is_the_orms_row(record):
    """selectors.restriction_row (the cache miss's read, compiled once per connection) returns what the
    ORM's query returns: the same fields, types and document, key order included; None for no row."""
    record()
    record(product_id="p-3")
    record(merchant_id="m2")
    for merchant_id in ("m1", "m2"):
        mine, orms = selectors.restriction_row(merchant_id), Restriction.objects.filter(merchant_id=merchant_id).first()
        assert mine is not None and not mine._state.adding and mine._state.db == orms._state.db
        assert list(mine.document().items()) == list(orms.document().items())
        assert [type(getattr(mine, f.attname)) for f in Restriction._meta.concrete_fields] == \
            [type(getattr(orms, f.attname)) for f in Restriction._meta.concrete_fields]
    assert selectors.restriction_document("m1")["measures"]
    assert selectors.restriction_row("nobody") is None


# --- the WSGI shortcut in front of Django's handler ------------------------------------------------------

HANDED_ON = (599, b"handed on", {})


def through_shortcut(url=URL, secure=False, **headers):
    """((status, body, headers), handed): the shortcut's answer with a fixed request id, and the paths it
    handed to the application behind it (which answers HANDED_ON: what Django then answers is the rest of
    this file's business)."""
    handed = []

    def django(environ, start_response):
        handed.append(environ["PATH_INFO"])
        assert environ == sent  # untouched: Django reads the environ as the server gave it
        start_response("599 Handed On", [])
        return [HANDED_ON[1]]

    request = RequestFactory().get(url, secure=secure, **{"HTTP_X_REQUEST_ID": "same-id", **headers})
    # As a WSGI server gives it: the path's UTF-8 bytes read as latin-1 (the request decoded its own copy).
    environ = {**request.environ, "PATH_INFO": request.path_info.encode().decode("latin-1")}
    sent = dict(environ)
    answered = {}

    def start_response(status, response_headers):
        answered.update(status=int(status.split()[0]), headers=dict(response_headers))

    # A miss's request signals would close "old" connections, the test's own one among them (its transaction):
    # Django's test client leaves that receiver out the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(fastpath.RestrictionsShortcut(django)(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return (answered["status"], body, answered["headers"]), handed


@pytest.fixture
def remembered_token(client):
    """A restrictions token this process has verified (through a request the full stack answered)."""
    token = ServiceTokenFactory(scopes=["restrictions:read"])
    assert client.get("/api/v1/restrictions/someone/", HTTP_AUTHORIZATION=f"Bearer {token.raw}").status_code == 200
    return {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"}


@pytest.mark.redis
@pytest.mark.parametrize("language", [None, "zh-hans", "en-US,en;q=0.8"])
def test_the_shortcut_answers_a_cache_hit_byte_for_byte_as_the_full_stack(client, record, remembered_token,
                                                                          view_calls, language):
    record()
    record(product_id="p-3")
    auth = {**remembered_token, **({"HTTP_ACCEPT_LANGUAGE": language} if language else {})}
    selectors.restriction_document("m1")  # cached

    mine, handed = through_shortcut(**auth)

    assert handed == [] and view_calls == []
    assert mine == full_stack(client, **auth)
    assert mine[0] == 200 and mine[1].startswith(b'{"banned_products":') and b'"product_id":"p-3"' in mine[1]
    assert mine[2]["X-Request-ID"] == "same-id" and mine[2]["X-Content-Type-Options"] == "nosniff"


@pytest.mark.redis
@pytest.mark.parametrize("secure", [False, True])
def test_the_shortcut_answers_https_and_a_language_cookie_as_the_full_stack(client, record, remembered_token, settings,
                                                                          secure):
    settings.SECURE_HSTS_SECONDS = 3600
    record()
    selectors.restriction_document("m1")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    auth = {**remembered_token, "HTTP_COOKIE": f"{settings.LANGUAGE_COOKIE_NAME}=zh-hans"}

    mine, handed = through_shortcut(secure=secure, **auth)

    with override_settings(MIDDLEWARE=FULL_STACK):
        full = answer(Client(), secure=secure, **auth)
    assert handed == [] and mine == full and mine[2]["Content-Language"] == "zh-hans"
    assert ("Strict-Transport-Security" in mine[2]) is secure


@pytest.mark.redis
def test_the_shortcut_makes_up_a_request_id_when_the_callers_is_not_sane(record, remembered_token):
    record()
    selectors.restriction_document("m1")
    (status, _, headers), handed = through_shortcut(**{**remembered_token, "HTTP_X_REQUEST_ID": "bad id\n"})
    assert status == 200 and handed == [] and len(headers["X-Request-ID"]) == 32 and headers["X-Request-ID"] != "bad id"


@pytest.mark.redis
def test_a_cache_miss_is_read_from_the_row_between_the_request_signals(client, record, remembered_token, view_calls):
    record()
    record(product_id="p-3")
    signals = []

    def started(**kwargs):
        signals.append("started")

    def finished(**kwargs):
        signals.append("finished")

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        cache.forget_all()
        cold, handed = through_shortcut(**remembered_token)
        assert signals == ["started", "finished"]
        warm, _ = through_shortcut(**remembered_token)
        assert signals == ["started", "finished"]  # a hit sends none
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)

    assert handed == [] and view_calls == []
    cache.forget_all()
    assert cold == full_stack(client, **remembered_token) and cold[1].startswith(b'{"merchant_id":"m1",')
    assert warm == full_stack(client, **remembered_token) and warm[1].startswith(b'{"banned_products":')


@pytest.mark.redis
def test_what_a_cache_miss_logs_carries_the_request_id(record, remembered_token, monkeypatch):
    """The reads of a miss (Redis, the database) log with the request's id, as behind the middleware; the id is
    forgotten once the request is answered, hit or miss."""
    from riskcase.ops.requestid import current_request_id

    record()
    seen = []
    stored_document = selectors.stored_document

    def read(merchant_id):
        seen.append(current_request_id())
        return stored_document(merchant_id)

    monkeypatch.setattr(selectors, "stored_document", read)
    cache.forget_all()
    (status, _, headers), _ = through_shortcut(**remembered_token)
    assert status == 200 and seen == ["same-id"] == [headers["X-Request-ID"]]
    assert current_request_id() is None
    through_shortcut(**remembered_token)  # a hit
    assert seen == ["same-id"] and current_request_id() is None


@pytest.mark.redis
def test_the_shortcut_never_queries_it_hands_on_a_token_this_process_does_not_remember(record, remembered_token,
                                                                                     django_assert_num_queries):
    record()
    selectors.restriction_document("m1")
    stranger = ServiceTokenFactory(scopes=["restrictions:read"])  # valid, but never verified here
    with django_assert_num_queries(0):
        assert through_shortcut(HTTP_AUTHORIZATION=f"Bearer {stranger.raw}") == (HANDED_ON, [URL])
        assert through_shortcut(**remembered_token)[0][0] == 200


def shortcut_refusals():
    """case -> (Authorization, other headers, path, settings); None for the remembered token."""
    tokens = {name: ("token", credential, extra, URL, {}) for name, (credential, extra) in refused_cases().items()
              if isinstance(credential, dict)}
    return {
        **tokens,
        "no header": ("", {}, URL, {}),
        "not a bearer": ("Token abc", {}, URL, {}),
        "malformed": ("Bearer a b", {}, URL, {}),
        "unknown token": ("Bearer rcs_nothing", {}, URL, {}),
        "an Accept it cannot satisfy": (None, {"HTTP_ACCEPT": "text/html"}, URL, {}),
        "an Accept with parameters": (None, {"HTTP_ACCEPT": "application/json; indent=2"}, URL, {}),
        "a bad Host": (None, {"HTTP_HOST": "evil.example"}, URL, {}),
        "a NUL in a header": (None, {"HTTP_USER_AGENT": "bot\x00"}, URL, {}),
        "a NUL in the merchant id": (None, {}, "/api/v1/restrictions/m%001/", {}),
        "a query string": (None, {}, URL + "?format=json", {}),
        "plain HTTP where HTTPS is required": (None, {}, URL, {"SECURE_SSL_REDIRECT": True}),
    }


@pytest.mark.redis
@pytest.mark.parametrize("case", list(shortcut_refusals()))
def test_the_shortcut_hands_every_other_request_to_django(client, record, remembered_token, case, settings):
    """Each of these the full stack refuses, redirects or answers differently (the tests above): the shortcut
    must not answer any of them, even with the document cached. Every token went through the full stack
    first, so the one without the scope is remembered here: the shortcut checks the scope itself."""
    record()
    selectors.restriction_document("m1")
    case_ = shortcut_refusals()[case]
    if case_[0] == "token":
        _, credential, extra, url, overrides = case_
        token = ServiceTokenFactory(**credential)
        client.get("/api/v1/restrictions/someone/", HTTP_AUTHORIZATION=f"Bearer {token.raw}")  # remembered if valid
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token.raw}", **extra}
    else:
        authorization, extra, url, overrides = case_
        headers = {**remembered_token, **extra}
        if authorization is not None:
            headers.pop("HTTP_AUTHORIZATION")
            if authorization:
                headers["HTTP_AUTHORIZATION"] = authorization
    for name, value in overrides.items():
        setattr(settings, name, value)

    assert through_shortcut(url, **headers) == (HANDED_ON, [url.split("?")[0].replace("%00", "\x00")])


@pytest.mark.redis
def test_a_non_ascii_merchant_id_reaches_django_as_the_server_sent_it(client, remembered_token):
    """The environ holds the path as WSGI servers give it (UTF-8 bytes read as latin-1); Django decodes it once."""
    url = "/api/v1/restrictions/商户/"
    stranger = {"HTTP_AUTHORIZATION": f"Bearer {ServiceTokenFactory(scopes=['restrictions:read']).raw}"}
    answer, handed = through_shortcut(url, **stranger)  # a token not remembered: handed on
    assert answer == HANDED_ON and handed == ["/api/v1/restrictions/" + "商户".encode().decode("latin-1") + "/"]
    mine, handed = through_shortcut(url, **remembered_token)
    assert handed == [] and mine[1].startswith(b'{"merchant_id":"\xe5\x95\x86\xe6\x88\xb7"')
    cache.forget_all()
    assert mine == full_stack(client, url, **remembered_token)  # both cold


@pytest.mark.redis
def test_a_remembered_token_that_expires_is_handed_on_at_its_expiry(client, record, settings, time_machine):
    settings.RISKCASE_SERVICE_TOKEN_CACHE_SECONDS = 3600
    time_machine.move_to(timezone.now(), tick=False)
    record()
    selectors.restriction_document("m1")
    token = ServiceTokenFactory(scopes=["restrictions:read"], expires_at=timezone.now() + timedelta(minutes=1))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"}
    assert client.get(URL, **auth).status_code == 200
    assert through_shortcut(**auth)[0][0] == 200
    time_machine.shift(timedelta(minutes=1))
    assert through_shortcut(**auth) == (HANDED_ON, [URL])


@pytest.mark.redis
def test_an_announced_revocation_stops_the_shortcut_at_once(client, record, remembered_token):
    record()
    selectors.restriction_document("m1")
    assert through_shortcut(**remembered_token)[0][0] == 200
    ServiceTokenFactory._meta.model.objects.update(revoked_at=timezone.now())
    authentication.announce_revocation()
    assert through_shortcut(**remembered_token) == (HANDED_ON, [URL])


def test_the_shortcut_hands_a_head_to_django(remembered_token):
    handed = []

    def django(environ, start_response):
        handed.append(environ["REQUEST_METHOD"])
        start_response("200 OK", [])
        return [b""]

    environ = RequestFactory().head(URL, **remembered_token).environ
    b"".join(fastpath.RestrictionsShortcut(django)(environ, lambda status, headers: None))
    assert handed == ["HEAD"]


@pytest.mark.redis
def test_a_failure_inside_the_shortcut_hands_the_request_to_django(record, remembered_token, monkeypatch):
    record()

    def broken(merchant_id):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(cache, "get", broken)
    assert through_shortcut(**remembered_token) == (HANDED_ON, [URL])


def test_the_served_application_is_the_shortcut_in_front_of_django():
    from django.core.handlers.wsgi import WSGIHandler

    from riskcase import wsgi

    assert isinstance(wsgi.application, fastpath.RestrictionsShortcut)
    assert isinstance(wsgi.application.application, WSGIHandler)


@pytest.mark.redis
def test_with_redis_refusing_the_shortcut_answers_from_the_database(client, record, remembered_token, settings):
    record()
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there: refused at once

    (status, body, _), handed = through_shortcut(**remembered_token)

    assert status == 200 and handed == []
    assert body == fastpath._renderer.render(Restriction.objects.get(merchant_id="m1").document())
