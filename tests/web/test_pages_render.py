"""Every page renders for its merchant: diagnosis, warnings, violations by tab, and their details."""
import pytest

from tests.factories import raise_warning, record_violation


def test_the_diagnosis_links_each_count_to_its_filtered_list(web, merchant):
    raise_warning(merchant)
    record_violation(merchant)
    body = web.get("/merchant/").content.decode()
    for tab in ("new", "pending", "appealing", "appeal_succeeded", "appeal_failed", "upheld", "withdrawn"):
        assert f'href="/merchant/violations/?tab={tab}"' in body
    assert 'href="/merchant/warnings/?risk_point=complaint_rate"' in body
    assert "Rates as judged" in body and "Penalties in force" in body and "Needs your attention" in body


def test_the_warning_list_and_detail_show_the_explanation(web, merchant):
    warning = raise_warning(merchant)
    listing = web.get("/merchant/warnings/?risk_point=complaint_rate").content.decode()
    assert f"/merchant/warnings/{warning.pk}/" in listing
    detail = web.get(f"/merchant/warnings/{warning.pk}/")
    assert detail.status_code == 200
    assert "4.5" in detail.content.decode() or "0.045" in detail.content.decode()
    assert "Acknowledge" in detail.content.decode()


def test_a_tab_lists_only_its_violations(web, merchant):
    violation = record_violation(merchant)
    assert str(violation.pk) in web.get("/merchant/violations/?tab=pending").content.decode()
    assert str(violation.pk) not in web.get("/merchant/violations/?tab=appealing").content.decode()


def test_the_violation_detail_shows_its_timeline_and_the_appeal_form(web, merchant):
    violation = record_violation(merchant, notified=True)
    body = web.get(f"/merchant/violations/{violation.pk}/").content.decode()
    assert "The violation was recorded" in body
    assert 'type="file"' in body and "multiple" in body and 'enctype="multipart/form-data"' in body
    assert "You can appeal until 2026-07-07 12:00" in body


def test_another_merchants_cases_are_not_found(web, other_merchant):
    warning = raise_warning(other_merchant)
    violation = record_violation(other_merchant)
    assert web.get(f"/merchant/warnings/{warning.pk}/").status_code == 404
    assert web.get(f"/merchant/violations/{violation.pk}/").status_code == 404
    assert str(violation.pk) not in web.get("/merchant/violations/").content.decode()


def test_acknowledging_a_warning_goes_through_the_service(web, merchant):
    warning = raise_warning(merchant)
    response = web.post(f"/merchant/warnings/{warning.pk}/acknowledge/", {"expected_version": warning.version},
                        follow=True)
    warning.refresh_from_db()
    assert warning.state == "acknowledged"
    assert "Warning acknowledged." in response.content.decode()


def test_acknowledging_another_merchants_warning_is_not_found_and_changes_nothing(web, other_merchant):
    warning = raise_warning(other_merchant)
    response = web.post(f"/merchant/warnings/{warning.pk}/acknowledge/")
    warning.refresh_from_db()
    assert response.status_code == 404
    assert warning.state == "open" and warning.acknowledged_at is None


def test_the_lists_take_a_fixed_number_of_queries(web, merchant, django_assert_max_num_queries):
    from tests.factories import MerchantFactory

    for n in range(6):
        record_violation(merchant, risk_point="negative_review_rate", product_id=f"p{n}")
        raise_warning(MerchantFactory(merchant_id=f"m-x{n}"))  # others' rows do not count either
        raise_warning(merchant, risk_point="merchant_refund_rate", product_id=f"p{n}")
    with django_assert_max_num_queries(8):
        assert web.get("/merchant/violations/?tab=pending").status_code == 200
    with django_assert_max_num_queries(8):
        assert web.get("/merchant/warnings/").status_code == 200


def test_a_violation_whose_notice_has_not_arrived_says_its_appeal_window_has_not_started(web, merchant):
    violation = record_violation(merchant)
    body = web.get(f"/merchant/violations/{violation.pk}/").content.decode()
    assert "The appeal window has not started" in body
    assert "not started" in web.get("/merchant/violations/").content.decode()


@pytest.mark.parametrize("address, unknown", [
    ("/merchant/warnings/?risk_point=nonsense", "risk_point"),
    ("/merchant/warnings/?state=gone&risk_point=complaint_rate", "state"),
    ("/merchant/violations/?tab=everything", "tab"),
    ("/merchant/penalties/?status=maybe", "status"),
])
def test_a_filter_the_page_does_not_know_is_a_400_that_says_so_and_shows_everything(web, merchant, address, unknown):
    """As the API refuses it: never a silent fallback that looks like a filtered list."""
    warning, violation = raise_warning(merchant), record_violation(merchant)
    response = web.get(address)
    body = response.content.decode()
    assert response.status_code == 400
    assert f"We do not recognise the filter {unknown}" in body and 'role="alert"' in body
    if "warnings" in address:
        assert f"/merchant/warnings/{warning.pk}/" in body  # the known filter still applies: it matches
    if "violations" in address:
        assert f"/merchant/violations/{violation.pk}/" in body

    web.cookies["django_language"] = "zh-hans"
    chinese = web.get(address)
    assert chinese.status_code == 400 and f"无法识别此链接中的筛选条件 {unknown}" in chinese.content.decode()


def test_known_filters_and_none_are_a_200_without_the_notice(web, merchant):
    raise_warning(merchant)
    for address in ("/merchant/warnings/", "/merchant/warnings/?risk_point=complaint_rate&state=",
                    "/merchant/violations/?tab=pending", "/merchant/penalties/?status=active"):
        response = web.get(address)
        assert response.status_code == 200 and "We do not recognise the filter" not in response.content.decode()
