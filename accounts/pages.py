"""Who may use the merchants' pages (merchant_web, notifications' inbox): signed-in users with a merchant
membership, nobody else."""
from functools import wraps

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from accounts.selectors import merchant_id_for_user, page_merchant_choice


class MerchantLoginForm(AuthenticationForm):
    """Django's login form, refusing users who are not a merchant's staff with the same error as a wrong
    password: the page must not tell a guesser that a reviewer's password was right."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if merchant_id_for_user(user) is None:
            raise self.get_invalid_login_error()


def merchant_required(view):
    """Sets request.merchant_id (the merchant chosen in the session, checked against the user's memberships
    on every request) and request.merchant_choices; anonymous users go to the login page, others get a 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        choice = page_merchant_choice(request)
        request.merchant_id, request.merchant_choices = choice.merchant_id, choice.choices
        if request.merchant_id is None:
            return render(request, "merchant_web/not_merchant.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped
