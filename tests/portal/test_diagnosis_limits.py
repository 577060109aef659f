"""The diagnosis is a summary (issue 17): it shows the 20 most serious products at risk and the 20 newest penalties
in force with how many there are, and the full lists have their own pages (API products-at-risk/, the
products-at-risk and penalties pages), so a diagnosis costs the same whatever the merchant's size."""
from base64 import b64encode
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enforcement import consumers
from enforcement.selectors import merchant_penalties
from metrics.models import ProductDailyMetric
from portal.diagnosis import DIAGNOSIS_LIST_LIMIT
from tests.api.conftest import assert_error
from tests.api.test_query_counts import DIAGNOSIS_QUERIES, round_trips, statements
from tests.factories import DailyMetricFactory, raise_warning, record_violation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]  # today is 2026-06-30
DIAGNOSIS = "/api/v1/diagnosis/"
PRODUCTS = "/api/v1/products-at-risk/"
AS_OF = date(2026, 6, 29)


def _at_risk(merchant, product, *, violations, warnings):
    """`violations` standing rate violations and `warnings` open rate warnings about `product`."""
    for point in ["complaint_rate", "negative_review_rate"][:violations]:
        record_violation(merchant, risk_point=point, product_id=product)
    if warnings:
        raise_warning(merchant, risk_point="merchant_refund_rate", product_id=product)


def _severity(i):
    """(standing violations, open warnings) of product p-{i:02}: 2 violations every fifth, 1 for the next two,
    none for the others; a warning for the odd ones and for every one without a violation."""
    violations = 2 if i % 5 == 0 else 1 if i % 5 in (1, 2) else 0
    return violations, 1 if i % 2 or not violations else 0


# The order the merchant must see: most standing violations, then most open warnings, then by product id.
MOST_SERIOUS_FIRST = (["p-05", "p-15", "p-00", "p-10", "p-20"]  # two violations; a warning first
                      + ["p-01", "p-07", "p-11", "p-17", "p-21", "p-02", "p-06", "p-12", "p-16", "p-22"]  # one
                      + [f"p-{i:02}" for i in (3, 4, 8, 9, 13, 14, 18, 19, 23, 24)])  # a warning only


@pytest.fixture
def many_products(merchant):
    for i in range(25):
        violations, warnings = _severity(i)
        _at_risk(merchant, f"p-{i:02}", violations=violations, warnings=warnings)
        # Each product has its own days, so the figures of the ones shown are read.
        for back in range(0, 10):
            ProductDailyMetric.objects.create(
                merchant=merchant, product_id=f"p-{i:02}", day=AS_OF - timedelta(days=back), paid_orders=10,
                verified_orders=10, complaints=1, negative_reviews=0, merchant_refunds=0, stable=back >= 7,
                as_of=AS_OF)
    DailyMetricFactory(merchant=merchant, day=AS_OF, as_of=AS_OF)


def _products(items):
    return [(p["product_id"], p["standing_violations"], p["open_warnings"]) for p in items]


def _expected(names):
    return [(name, *_severity(int(name[2:]))) for name in names]


def test_the_diagnosis_shows_the_20_most_serious_products_and_how_many_there_are(api, many_products, sql_as_written):
    with CaptureQueriesContext(connection) as queries:
        body = api.get(DIAGNOSIS).json()

    assert body["products_at_risk_total"] == 25
    assert _products(body["products_at_risk"]) == _expected(MOST_SERIOUS_FIRST[:DIAGNOSIS_LIST_LIMIT])
    shown = body["products_at_risk"][0]["rates"][0]
    assert (shown["rate"], shown["warning"]["numerator"], shown["warning"]["denominator"]) == ("complaint_rate", 10,
                                                                                              100)
    # The figures are read for the products shown only: not for the five left out.
    (sums,) = [q["sql"] for q in queries.captured_queries if "productdailymetric" in q["sql"] and "SUM(" in q["sql"]]
    assert "'p-05'" in sums and not any(f"'{p}'" in sums for p in MOST_SERIOUS_FIRST[DIAGNOSIS_LIST_LIMIT:])


def _pages(api, first_url, **params):
    pages, url = [], first_url
    while url:
        body = api.get(url, params).json() if url == first_url else api.get(url).json()
        pages.append(body)
        url = body["next"]
    return pages


def test_the_full_list_gives_every_product_at_risk_page_by_page_in_the_same_order_and_shape(api, many_products):
    pages = _pages(api, PRODUCTS, page_size=10)

    assert [len(p["results"]) for p in pages] == [10, 10, 5]
    assert _products([item for p in pages for item in p["results"]]) == _expected(MOST_SERIOUS_FIRST)
    assert pages[0]["previous"] is None and pages[-1]["next"] is None
    diagnosis = api.get(DIAGNOSIS).json()["products_at_risk"]
    assert pages[0]["results"] + pages[1]["results"] == diagnosis  # the same items, figures included
    # Back from the last page: the second one again.
    assert api.get(pages[2]["previous"]).json()["results"] == pages[1]["results"]
    assert _products(api.get(PRODUCTS).json()["results"]) == _expected(MOST_SERIOUS_FIRST)  # 50 a page by default


def test_a_page_of_products_reads_its_own_figures_only(api, many_products, sql_as_written):
    with CaptureQueriesContext(connection) as queries:
        first = api.get(PRODUCTS, {"page_size": 3}).json()["results"]
    assert [p["product_id"] for p in first] == MOST_SERIOUS_FIRST[:3]
    (sums,) = [q["sql"] for q in queries.captured_queries if "productdailymetric" in q["sql"] and "SUM(" in q["sql"]]
    assert not any(f"'{p}'" in sums for p in MOST_SERIOUS_FIRST[3:])


@pytest.mark.parametrize("cursor", [b64encode(b"p=not-json").decode(), b64encode(b"p=[1,2]").decode(),
                                    b64encode(b'p=["a","b","c"]').decode()])
def test_a_malformed_cursor_is_a_400(api, many_products, cursor):
    assert_error(api.get(PRODUCTS, {"cursor": cursor}), 400)


def test_an_offset_cursor_counts_from_the_start(api, many_products):
    """What the schema's cursor format allows on its own: an offset, as DRF's cursors have."""
    body = api.get(PRODUCTS, {"cursor": b64encode(b"o=22").decode()}).json()
    assert [p["product_id"] for p in body["results"]] == MOST_SERIOUS_FIRST[22:]


def test_another_merchants_products_never_appear(api, other_api, merchant, other_merchant, many_products):
    _at_risk(other_merchant, "p-theirs", violations=2, warnings=1)
    _at_risk(other_merchant, "p-05", violations=2, warnings=1)  # the same product id as one of ours

    mine = _pages(api, PRODUCTS, page_size=10, merchant_id="m-beta", merchant="m-beta", product="p-theirs")
    assert _products([item for p in mine for item in p["results"]]) == _expected(MOST_SERIOUS_FIRST)
    # A cursor naming their product (placed before every one of ours) still pages through ours only.
    crafted = b64encode(b'p=[-3,-1,"p-theirs"]').decode()
    assert [p["product_id"] for p in api.get(PRODUCTS, {"cursor": crafted}).json()["results"]] == MOST_SERIOUS_FIRST
    assert_error(api.get(PRODUCTS, HTTP_X_MERCHANT_ID="m-beta"), 403)
    diagnosis = api.get(DIAGNOSIS, {"merchant_id": "m-beta"}).json()
    assert "p-theirs" not in {p["product_id"] for p in diagnosis["products_at_risk"]}
    assert diagnosis["products_at_risk_total"] == 25

    theirs = other_api.get(PRODUCTS).json()["results"]
    assert _products(theirs) == [("p-05", 2, 1), ("p-theirs", 2, 1)]


def _products_at_risk(merchant, n, first=0):
    for i in range(first, first + n):
        _at_risk(merchant, f"q-{i:02}", violations=1, warnings=i % 2)
        ProductDailyMetric.objects.create(
            merchant=merchant, product_id=f"q-{i:02}", day=AS_OF, paid_orders=10, verified_orders=10,
            complaints=1, negative_reviews=0, merchant_refunds=0, stable=False, as_of=AS_OF)


def _banned(merchant, n, first=0):
    for i in range(first, first + n):
        record_violation(merchant, risk_point="clustered_complaints", product_id=f"b-{i:02}", value="15",
                         threshold="5")
    drain()


def test_the_queries_do_not_grow_with_the_products_at_risk_or_the_penalties(api, merchant):
    DailyMetricFactory(merchant=merchant, day=AS_OF, as_of=AS_OF)
    _products_at_risk(merchant, 5)
    _banned(merchant, 2)
    with CaptureQueriesContext(connection) as few_diagnosis:
        assert api.get(DIAGNOSIS).json()["products_at_risk_total"] == 5
    with CaptureQueriesContext(connection) as few_list:
        assert len(api.get(PRODUCTS).json()["results"]) == 5

    _products_at_risk(merchant, 25, first=5)
    _banned(merchant, 25, first=2)
    with CaptureQueriesContext(connection) as many_diagnosis:
        body = api.get(DIAGNOSIS).json()
    assert (len(body["products_at_risk"]), body["products_at_risk_total"]) == (20, 30)
    assert len(body["penalties"]) == 20 and body["penalties_total"] > 27
    with CaptureQueriesContext(connection) as many_list:
        assert len(api.get(PRODUCTS).json()["results"]) == 30

    assert statements(many_diagnosis) == statements(few_diagnosis) == DIAGNOSIS_QUERIES
    assert len(many_diagnosis) == len(few_diagnosis) == round_trips(connection.vendor)
    assert len(many_list.captured_queries) == len(few_list.captured_queries)


def drain():
    while consumers.run_violations():
        pass


@pytest.fixture
def many_penalties(merchant, frozen):
    """25 penalties in force: a product ban imposed 55 days ago (60 days: it ends in 5), 22 imposed now, and the
    ladder's two rungs now (restricted promotion, throttling) for the 23 violations."""
    frozen.shift(-timedelta(days=55))
    record_violation(merchant, risk_point="clustered_complaints", product_id="b-old", value="15", threshold="5")
    drain()
    frozen.shift(timedelta(days=55))
    for i in range(22):
        record_violation(merchant, risk_point="clustered_complaints", product_id=f"b-{i:02}", value="15",
                         threshold="5")
    drain()


def test_the_diagnosis_shows_the_20_newest_penalties_in_force_and_how_many_there_are(api, merchant, many_penalties):
    from django.utils import timezone

    body = api.get(DIAGNOSIS).json()

    in_force = list(merchant_penalties("m-alpha", now=timezone.now(), status="active").order_by("-starts_at", "-pk"))
    assert body["penalties_total"] == len(in_force) == 25
    assert [p["id"] for p in body["penalties"]] == [str(p.pk) for p in in_force[:DIAGNOSIS_LIST_LIMIT]]
    assert len(api.get("/api/v1/penalties/", {"status": "active"}).json()["results"]) == 25  # where all are


def test_a_penalty_ending_soon_needs_attention_even_when_the_diagnosis_does_not_list_it(api, merchant,
                                                                                        many_penalties):
    body = api.get(DIAGNOSIS).json()

    (ending,) = body["attention"]["penalties_ending"]
    assert (ending["kind"], ending["ends_at"]) == ("product_ban", "2026-07-05T12:00:00+08:00")
    assert ending["id"] not in {p["id"] for p in body["penalties"]}  # the oldest: not among the 20 shown


def test_the_overview_links_to_all_the_products_and_penalties_when_it_shows_only_the_first(web, many_products,
                                                                                           many_penalties):
    page = web.get("/merchant/").content.decode()

    assert 'href="/merchant/products-at-risk/">All 25 products at risk</a>' in page
    assert 'href="/merchant/penalties/?status=active">All 25 penalties in force</a>' in page
    assert "?product=p-20" in page and "?product=p-24" not in page  # the 20 most serious only
    assert "Product ban ends at 2026-07-05 12:00" in page

    web.cookies["django_language"] = "zh-hans"
    page = web.get("/merchant/").content.decode()
    assert "查看全部 25 个风险商品" in page and "查看全部 25 项生效中的处罚" in page


def test_the_overview_has_no_such_link_when_it_shows_everything(web, merchant):
    _at_risk(merchant, "p-1", violations=1, warnings=0)
    page = web.get("/merchant/").content.decode()
    assert "?product=p-1" in page
    assert "/merchant/products-at-risk/" not in page and "penalties in force</a>" not in page


@pytest.mark.parametrize("language, heading", [("en", "Products at risk"), ("zh-hans", "有风险的商品")])
def test_the_products_page_lists_every_product_at_risk_most_serious_first(web, many_products, language, heading):
    web.cookies["django_language"] = language
    response = web.get("/merchant/products-at-risk/")

    assert response.status_code == 200
    assert [p["product_id"] for p in response.context["products"]] == MOST_SERIOUS_FIRST
    body = response.content.decode()
    assert f"<h1>{heading}</h1>" in body
    positions = [body.index(f"?product={p}\"") for p in MOST_SERIOUS_FIRST]
    assert positions == sorted(positions)


def test_the_products_page_shows_only_the_merchants_own(web, other_web, merchant, other_merchant):
    _at_risk(merchant, "p-mine", violations=1, warnings=0)
    _at_risk(other_merchant, "p-theirs", violations=1, warnings=0)

    mine = web.get("/merchant/products-at-risk/", {"merchant": "m-beta", "page": "2"}).content.decode()
    assert "?product=p-mine" in mine and "p-theirs" not in mine
    assert "p-mine" not in other_web.get("/merchant/products-at-risk/").content.decode()


def test_the_products_page_is_paginated(web, merchant, monkeypatch):
    monkeypatch.setattr("merchant_web.views.PAGE_SIZE", 2)
    for i in range(5):
        _at_risk(merchant, f"p-{i}", violations=1, warnings=0)

    second = web.get("/merchant/products-at-risk/", {"page": 2})

    assert [p["product_id"] for p in second.context["products"]] == ["p-2", "p-3"]
    assert 'href="?page=1"' in second.content.decode() and 'href="?page=3"' in second.content.decode()


def test_the_penalties_page_lists_those_in_force_with_status_active(web, merchant, many_penalties):
    from django.utils import timezone

    response = web.get("/merchant/penalties/", {"status": "active"})

    assert len(response.context["penalties"]) == 25
    assert {p["status"] for p in response.context["penalties"]} == {"active"}
    assert "<h1>Penalties in force</h1>" in response.content.decode()
    everything = merchant_penalties("m-alpha", now=timezone.now()).count()
    assert everything > 25  # the public warning of 55 days ago has ended
    assert len(web.get("/merchant/penalties/").context["penalties"]) == everything


def test_a_diagnosis_cursor_link_keeps_its_page_size(api, many_products):
    next_link = api.get(PRODUCTS, {"page_size": 7}).json()["next"]
    assert parse_qs(urlsplit(next_link).query)["page_size"] == ["7"]


def test_the_database_ranks_the_products_as_product_rank_does(merchant):
    """The diagnosis and the pages take the database's order (one query), the full list's cursor product_rank's:
    the two agree, ties broken by product id code point by code point (capitals before small letters, "b-10"
    before "b-2", Chinese last, as Python compares them, not as a locale's collation would), and only the cases
    that put a product at risk count: rate cases, warnings open or acknowledged, violations not overturned."""
    from django.contrib.auth.models import Permission

    from cases import services
    from eventstore.actors import Actor
    from portal.diagnosis import first_products_at_risk_read, product_rank, ranked_products_at_risk
    from tests.factories import UserFactory

    if connection.vendor == "postgresql":  # as in a database created with a locale's collation, not C's
        with connection.cursor() as cursor:
            for table in ("cases_warning", "cases_violation"):
                cursor.execute(f'ALTER TABLE {table} ALTER COLUMN product_id TYPE varchar(64) COLLATE "en-US-x-icu"')

    for product in ("alpha", "Zeta", "商品-1", "Ärger"):
        _at_risk(merchant, product, violations=1, warnings=0)
    _at_risk(merchant, "beta", violations=2, warnings=1)
    for product in ("b-2", "b-10", "B-3"):
        _at_risk(merchant, product, violations=0, warnings=1)
    acknowledged = raise_warning(merchant, risk_point="complaint_rate", product_id="b-2")
    services.warning_acknowledge(warning_id=acknowledged.pk, actor=Actor.merchant(merchant.merchant_id))
    # Not at risk: an overturned violation, a closed warning, cases that are not a rate's, the merchant's own.
    reviewer = UserFactory(username="rita", is_staff=True)
    reviewer.user_permissions.add(Permission.objects.get(content_type__app_label="cases", codename="withdraw_violation"))
    withdrawn = record_violation(merchant, risk_point="complaint_rate", product_id="gone")
    services.violation_withdraw(violation_id=withdrawn.pk, actor=Actor.reviewer(reviewer), reason="error")
    resolved = raise_warning(merchant, risk_point="negative_review_rate", product_id="gone")
    services.warning_resolve(warning_id=resolved.pk, reason="rate back under warn_at")
    record_violation(merchant, risk_point="clustered_complaints", product_id="other-rule")
    raise_warning(merchant, risk_point="service_not_provided", product_id="other-rule")
    _at_risk(merchant, "", violations=2, warnings=1)

    ranked = ranked_products_at_risk(merchant.merchant_id)
    assert ranked == sorted(ranked, key=product_rank)
    assert ranked == [("beta", 1, 2), ("Zeta", 0, 1), ("alpha", 0, 1), ("Ärger", 0, 1), ("商品-1", 0, 1),
                      ("b-2", 2, 0), ("B-3", 1, 0), ("b-10", 1, 0)]
    assert first_products_at_risk_read(merchant.merchant_id).run() == (ranked, 8)
    assert ranked_products_at_risk("m-nobody") == [] and first_products_at_risk_read("m-nobody").run() == ([], 0)
