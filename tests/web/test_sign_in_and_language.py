"""Only a merchant's staff get into the merchant pages; Simplified Chinese unless English is chosen."""
from tests.factories import PASSWORD, UserFactory


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db):
    response = client.get("/merchant/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/merchant/")


def test_the_login_page_is_in_simplified_chinese_by_default(client, db):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'lang="zh-Hans"' in body and "登录" in body and 'name="csrfmiddlewaretoken"' in body


def test_merchant_staff_sign_in_and_land_on_the_diagnosis(client, staff):
    response = client.post("/accounts/login/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/merchant/"
    assert client.get("/merchant/").status_code == 200


def test_a_user_without_a_merchant_gets_the_same_answer_as_a_wrong_password(client, db):
    """The page must not confirm that a reviewer's password is right (issue 16, item 10)."""
    user = UserFactory(username="outsider")
    client.cookies["django_language"] = "en"
    right = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    wrong = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD + "x"})
    assert right.status_code == wrong.status_code == 200
    assert "not a merchant staff account" not in right.content.decode()
    assert right.context["form"].errors == wrong.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_a_signed_in_user_without_a_merchant_sees_a_clear_refusal(client, db):
    client.force_login(UserFactory(username="admin-ish"))
    client.cookies["django_language"] = "en"
    response = client.get("/merchant/")
    assert response.status_code == 403
    assert "not a merchant staff account" in response.content.decode()


def test_the_language_switch_turns_the_pages_into_english(client, staff):
    client.force_login(staff)
    assert "风险诊断" in client.get("/merchant/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/merchant/"})
    body = client.get("/merchant/").content.decode()
    assert "Risk diagnosis" in body and "风险诊断" not in body


def test_the_public_notice_shares_the_site_look(client, db):
    body = client.get("/public/notices/").content.decode()
    assert "merchant_web/site.css" in body and 'name="language"' in body
