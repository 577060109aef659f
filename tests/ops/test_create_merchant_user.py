"""manage.py create_merchant_user links a new user to an existing merchant, and refuses the rest."""
import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from accounts.selectors import merchant_id_for_user
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


def test_the_user_signs_in_as_staff_of_that_merchant():
    MerchantFactory(merchant_id="m-7")
    call_command("create_merchant_user", "lin", "m-7", password="s3cret-pass")
    user = authenticate(username="lin", password="s3cret-pass")
    assert user is not None and not user.is_staff
    assert merchant_id_for_user(user) == "m-7"


def test_an_unknown_merchant_or_a_taken_name_is_refused():
    MerchantFactory(merchant_id="m-7")
    with pytest.raises(CommandError, match="no merchant 'm-404'"):
        call_command("create_merchant_user", "lin", "m-404", password="x")
    call_command("create_merchant_user", "lin", "m-7", password="x")
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_merchant_user", "lin", "m-7", password="y")
