"""The merchant pages in a real browser (Debian's chromium via Playwright) against the live server:
sign in, read the diagnosis, appeal a violation, change the chart range, switch language, and no
access to another merchant's violation. Each test leaves a screenshot in var/screenshots/."""
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tests.conftest import CHROMIUM
from tests.factories import PASSWORD, DailyMetricFactory, MembershipFactory, MerchantFactory, raise_warning, record_violation

from .conftest import PNG

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run beside one unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture
def shop(db):
    """Two merchants with a staff user each; the first with a warning, a violation and 40 days of rates."""
    alpha = MerchantFactory(merchant_id="m-alpha", name="Alpha Noodles")
    beta = MerchantFactory(merchant_id="m-beta", name="Beta Spa", category="beauty")
    today = timezone.localdate()
    for offset in range(1, 41):
        DailyMetricFactory(merchant=alpha, day=today - timedelta(days=offset), stable=offset > 2,
                           complaints=2 + offset % 4, as_of=today - timedelta(days=1))
    violation = record_violation(alpha)
    raise_warning(alpha, risk_point="negative_review_rate", value="0.070000", threshold="0.064000")
    return {
        "staff": MembershipFactory(merchant=alpha).user, "other_staff": MembershipFactory(merchant=beta).user,
        "violation": violation,
    }


@pytest.fixture
def page(live_server, shop, request):
    """A 1280px-wide page of a fresh chromium; the screenshot is taken when the test ends.

    Playwright starts only after the database is set up and the data made: while its event loop
    runs, Django's connections are per-context, so the serialized rollback (which restores the
    migrations' rows) must not happen under it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        yield tab
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
        browser.close()


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/merchant/")


def test_a_merchant_signs_in_reads_the_diagnosis_and_appeals_a_violation(page, live_server, shop):
    sign_in(page, live_server, shop["staff"])
    assert page.locator("h1").inner_text().startswith("风险诊断")  # Chinese despite an English browser
    page.click("a[href='/merchant/violations/?tab=pending']")
    page.click(f"a[href='/merchant/violations/{shop['violation'].pk}/']")
    page.fill("#id_statement", "本周门店停业装修，附营业执照照片。")
    page.set_input_files("#id_files", files=[{"name": "shopfront.png", "mimeType": "image/png", "buffer": PNG}])
    page.click("text=提交申诉")
    assert "您的申诉已提交" in page.locator(".messages").inner_text()
    page.click("a[href='/merchant/violations/']")
    page.click("a[href='?tab=appealing']")
    assert page.locator(f"a[href='/merchant/violations/{shop['violation'].pk}/']").count() == 1


def test_the_chart_range_can_be_changed(page, live_server, shop):
    sign_in(page, live_server, shop["staff"])
    page.goto(f"{live_server.url}/merchant/rates/")
    assert page.locator("figure.chart svg.wide").count() == 3  # and one drawing each for a phone
    assert page.locator("table.numbers tbody tr").count() == 30
    today = timezone.localdate()
    page.fill("#id_start", (today - timedelta(days=10)).isoformat())
    page.fill("#id_end", (today - timedelta(days=1)).isoformat())
    page.click("form.range button[type=submit]")
    page.wait_for_url(lambda url: "/merchant/rates/" in url and "start=" in url)  # the product field may come first
    assert page.locator("table.numbers tbody tr").count() == 10
    assert page.locator("table.numbers tbody tr.provisional").count() == 2


def test_the_language_can_be_switched_to_english(page, live_server, shop):
    sign_in(page, live_server, shop["staff"])
    page.select_option("#language", "en")
    page.click("form.lang button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Risk diagnosis")


def test_another_merchant_cannot_open_the_violation(page, live_server, shop):
    sign_in(page, live_server, shop["other_staff"])
    response = page.goto(f"{live_server.url}/merchant/violations/{shop['violation'].pk}/")
    assert response.status == 404


def test_the_diagnosis_fits_a_phone_screen(page, live_server, shop):
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, live_server, shop["staff"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


@pytest.mark.parametrize("width", [1366, 1280])
def test_the_violation_tabs_sit_on_one_row_on_a_laptop_screen(page, live_server, shop, width):
    """The seven tabs' tiles (new, pending, appealing, ...) read as one row at laptop widths, not six and one."""
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, shop["staff"])
    tops = page.eval_on_selector_all("#h-violations + .tiles > li", "tiles => tiles.map(t => t.offsetTop)")
    assert len(tops) == 7 and len(set(tops)) == 1, tops
