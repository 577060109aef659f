"""manage.py create_merchant_user links a new user to an existing merchant, and refuses the rest."""
import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from accounts.selectors import merchant_id_for_user
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db

STRONG = "rain-Lantern-47-orchid"


def test_the_user_signs_in_as_staff_of_that_merchant():
    MerchantFactory(merchant_id="m-7")
    call_command("create_merchant_user", "lin", "m-7", password=STRONG)
    user = authenticate(RequestFactory().post("/accounts/login/"), username="lin", password=STRONG)
    assert user is not None and not user.is_staff
    assert merchant_id_for_user(user) == "m-7"


def test_an_unknown_merchant_or_a_taken_name_is_refused():
    MerchantFactory(merchant_id="m-7")
    with pytest.raises(CommandError, match="no merchant 'm-404'"):
        call_command("create_merchant_user", "lin", "m-404", password=STRONG)
    call_command("create_merchant_user", "lin", "m-7", password=STRONG)
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_merchant_user", "lin", "m-7", password=STRONG + "x")


@pytest.mark.parametrize("password", ["1", "password123", "12345678901", "abc"])
def test_a_weak_password_is_refused_and_no_user_is_made(password, django_user_model):
    MerchantFactory(merchant_id="m-7")
    with pytest.raises(CommandError, match="too weak"):
        call_command("create_merchant_user", "lin", "m-7", password=password)
    assert not django_user_model.objects.filter(username="lin").exists()
