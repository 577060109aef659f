"""The merchant's 风险诊断 screens in a real browser (Debian's chromium via Playwright), in both languages
at 1366 px and 375 px: the overview, the rates, a case with its drill-down, the penalties and the
guidance; none scrolls sideways, the date inputs start filled in, and the reviewers' desk is reachable
from / and translated. Screenshots go to var/screenshots/screens-*.png."""
import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.utils import timezone

from cases import services
from eventstore.actors import Actor
from tests.api.test_penalties import drain, withdrawing_reviewer
from tests.conftest import CHROMIUM
from tests.factories import (
    ComplaintFactory,
    DailyMetricFactory,
    MembershipFactory,
    MerchantFactory,
    OrderFactory,
    StaffUserFactory,
    raise_warning,
    record_violation,
)

from .test_browser import ARGS

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
WIDTHS = (1366, 375)


@pytest.fixture
def store(db):
    """A merchant with 40 days of rates, complaints behind one day, open cases, a penalty in force and a
    lifted one; plus a reviewer."""
    merchant = MerchantFactory(merchant_id="m-screens", name="Alpha Noodles 阿尔法面馆")
    today = timezone.localdate()
    for offset in range(1, 41):
        DailyMetricFactory(merchant=merchant, day=today - timedelta(days=offset), stable=offset > 7,
                           paid_orders=40 + offset % 9, complaints=1 + offset % 4, negative_reviews=5 + offset % 3,
                           merchant_refunds=1,
                           as_of=today - timedelta(days=1))
    day = today - timedelta(days=12)
    paid = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time())) + timedelta(hours=12)
    for i in range(4):
        order = OrderFactory(merchant=merchant, product_id=f"p-set-meal-{i % 2}", paid_at=paid, paid_day=day)
        ComplaintFactory(order=order, filed_at=paid + timedelta(hours=5 + i), filed_day=day)
    violation = record_violation(merchant, window_start=day - timedelta(days=29), window_end=day)
    drain()  # the public warning it brings
    withdrawn = record_violation(merchant, risk_point="merchant_refund_rate", value="0.040000", threshold="0.030000")
    drain()
    services.violation_withdraw(violation_id=withdrawn.pk, actor=Actor.reviewer(withdrawing_reviewer()),
                                reason="统计口径有误 / counted in error")
    drain()
    raise_warning(merchant, risk_point="negative_review_rate", value="0.070000", threshold="0.064000")
    reviewer = StaffUserFactory(username="rita", is_superuser=True)
    return {"staff": MembershipFactory(merchant=merchant).user, "violation": violation, "day": day,
            "reviewer": reviewer, "merchant": merchant}


@pytest.fixture
def browser(live_server, store):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()
        # The test's own reads inside Playwright's event loop opened a connection of their own (asgiref's Local
        # keeps Django's connections per asyncio context); close it here, in that context, or it outlives the run
        # and the test database cannot be dropped.
        connections.close_all()


def open_page(browser, live_server, user, *, language, width):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
         "url": live_server.url},
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
    ])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def shoot(page, name, *, full_page=True):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"screens-{name}.png"), full_page=full_page)


def assert_no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_merchant_screens_read_well_in_both_languages_and_widths(browser, live_server, store, language, width):
    page = open_page(browser, live_server, store["staff"], language=language, width=width)
    tag = f"{language}-{width}"

    page.goto(f"{live_server.url}/")
    assert page.url.endswith("/merchant/")
    words = {"zh-hans": ("需要您处理", "近 7 天数据仍在变化", "预警口径", "违规口径"),
             "en": ("Needs your attention", "The last 7 days are still changing", "Warning figure",
                    "Violation figure")}[language]
    text = page.locator("main").inner_text()
    assert all(w in text for w in words)
    assert page.locator(".todo li").count() >= 2  # the appealable violation, the unacknowledged warning
    assert_no_sideways_scroll(page, width)
    shoot(page, f"overview-{tag}")

    page.goto(f"{live_server.url}/merchant/rates/")
    yesterday = timezone.localdate() - timedelta(days=1)
    assert page.input_value("#id_end") == yesterday.isoformat()  # prefilled, in the form a date input takes
    assert page.input_value("#id_start") == (yesterday - timedelta(days=29)).isoformat()
    shown = "svg.narrow" if width < 640 else "svg.wide"  # the drawing the stylesheet shows at this width
    assert page.locator(f"figure.chart {shown}").first.is_visible()
    assert page.locator(f"figure.chart {shown} polyline.pooled").count() >= 3
    assert page.locator(f"figure.chart {shown} rect.bar").count() >= 30
    assert page.locator(f"figure.chart {shown} .warn-line").count() == 3
    assert page.locator(f"figure.chart {shown} .limit-line").count() == 3
    assert_no_sideways_scroll(page, width)
    shoot(page, f"rates-{tag}")
    shoot(page, f"rates-first-screen-{tag}", full_page=False)

    page.goto(f"{live_server.url}/merchant/violations/{store['violation'].pk}/")
    assert_no_sideways_scroll(page, width)
    shoot(page, f"case-{tag}")
    page.click(f"a[href='/merchant/violations/{store['violation'].pk}/facts/']")
    assert page.locator("table.facts tbody tr").count() == 4
    assert "p-set-meal-0" in page.locator("table.facts").inner_text()
    assert_no_sideways_scroll(page, width)
    shoot(page, f"case-facts-{tag}")

    page.goto(f"{live_server.url}/merchant/penalties/")
    assert page.locator("table tbody tr").count() == 2  # the public warning in force and the lifted one
    assert_no_sideways_scroll(page, width)
    shoot(page, f"penalties-{tag}")

    page.goto(f"{live_server.url}/merchant/violations/?tab=withdrawn")
    assert page.locator("table tbody tr").count() == 1
    assert_no_sideways_scroll(page, width)
    shoot(page, f"violations-withdrawn-{tag}")

    page.goto(f"{live_server.url}/merchant/warnings/")
    assert page.locator("table tbody tr").count() == 1
    assert_no_sideways_scroll(page, width)

    page.goto(f"{live_server.url}/merchant/guidance/complaint_rate/")
    assert_no_sideways_scroll(page, width)
    shoot(page, f"guidance-{tag}")

    response = page.goto(f"{live_server.url}/merchant/nothing-here/")
    assert response.status == 404 and page.locator("link[rel=stylesheet]").count() == 1
    assert ("页面不存在" if language == "zh-hans" else "Page not found") in page.locator("h1").inner_text()
    shoot(page, f"404-{tag}")
    page.context.close()


def test_the_reviewers_desk_is_reached_from_the_start_and_reads_at_1366(browser, live_server, store):
    page = open_page(browser, live_server, store["reviewer"], language="zh-hans", width=1366)
    page.goto(f"{live_server.url}/")
    assert page.url.endswith("/admin/")
    page.goto(f"{live_server.url}/admin/cases/violation/")
    header = page.locator("#result_list thead").inner_text()
    assert "状态" in header and "处理人" in header  # translated, and in view
    visible = page.locator("#changelist .results").bounding_box()
    for column in ("column-state", "column-assignee"):
        box = page.locator(f"#result_list th.{column}").bounding_box()
        # Inside the scrolling results box, not hidden past its right edge.
        assert box is not None and box["x"] + box["width"] <= visible["x"] + visible["width"], column
    shoot(page, "admin-violations-zh-hans-1366")
    page.goto(f"{live_server.url}/admin/cases/violation/{store['violation'].pk}/change/")
    assert page.locator("label[for^=reason-]").count() == page.locator("textarea[name=reason]").count() >= 1
    assert page.locator("svg polyline.pooled").count() >= 1
    shoot(page, "admin-case-zh-hans-1366")
    page.context.close()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_products_at_risk_beyond_the_overviews_twenty_are_one_click_away(browser, live_server, store, language,
                                                                             width):
    for i in range(22):
        raise_warning(store["merchant"], product_id=f"p-dish-{i:02d}")
    page = open_page(browser, live_server, store["staff"], language=language, width=width)
    tag = f"{language}-{width}"

    page.goto(f"{live_server.url}/merchant/")
    link = {"zh-hans": "查看全部 22 个风险商品", "en": "All 22 products at risk"}[language]
    assert_no_sideways_scroll(page, width)
    page.click(f"text={link}")
    assert page.url.endswith("/merchant/products-at-risk/")
    text = page.locator("main").inner_text()
    assert "p-dish-00" in text and "p-dish-19" in text
    assert_no_sideways_scroll(page, width)
    shoot(page, f"products-at-risk-{tag}")
    page.context.close()
