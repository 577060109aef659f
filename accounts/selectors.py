"""Read queries of merchant accounts: which merchants a user works for, and which one a request acts for.

The pages keep the chosen merchant in the session (switched at /merchant/switch/); the API names it on
each request in the X-Merchant-Id header (optional for a user of one merchant). Either way the choice is
checked against the user's memberships on every request, so a store the user left is out of reach at once.
"""
from riskcase.lib.precompiled import Precompiled

from .models import MerchantMembership

MERCHANT_HEADER = "X-Merchant-Id"
SESSION_KEY = "riskcase_merchant_id"
_UNRESOLVED = object()


class MerchantChoice:
    """The outcome of choosing a merchant for a request: merchant_id, or None with an error code."""

    def __init__(self, merchant_id=None, *, choices=(), error=None):
        self.merchant_id, self.choices, self.error = merchant_id, list(choices), error


# Read on every API request and page: compiled once per database connection (riskcase.lib.precompiled).
_merchant_ids = Precompiled(lambda user_id: MerchantMembership.objects.filter(user_id=user_id).order_by("merchant_id")
                            .values_list("merchant_id", flat=True), user_id=int)


def merchant_ids_for_user(user):
    """The merchant ids the user works for, in a stable order (one query); [] when not a merchant's staff."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "pk", None):
        return []
    return _merchant_ids(user_id=user.pk)


def merchant_id_for_user(user):
    """The first merchant_id the user works for, or None (not a merchant's staff user)."""
    ids = merchant_ids_for_user(user)
    return ids[0] if ids else None


def choose_merchant(user, requested):
    """The merchant a request acts for: `requested` when it is one of the user's, the only one when the
    user has one and named none; otherwise no merchant and why (not_member, merchant_required)."""
    choices = merchant_ids_for_user(user)
    if requested:
        if requested in choices:
            return MerchantChoice(requested, choices=choices)
        return MerchantChoice(choices=choices, error="not_member")
    if len(choices) == 1:
        return MerchantChoice(choices[0], choices=choices)
    return MerchantChoice(choices=choices, error="merchant_required" if choices else "not_member")


def _cached(request, resolve):
    cached = getattr(request, "_riskcase_merchant_choice", _UNRESOLVED)
    if cached is _UNRESOLVED:
        cached = resolve()
        request._riskcase_merchant_choice = cached
    return cached


def api_merchant_choice(request):
    """The API's choice: the X-Merchant-Id header, looked up once per request."""
    return _cached(request, lambda: choose_merchant(request.user, request.META.get("HTTP_X_MERCHANT_ID", "").strip()))


def page_merchant_choice(request):
    """The pages' choice: the merchant kept in the session, else the user's first one; once per request."""
    def resolve():
        choices = merchant_ids_for_user(request.user)
        kept = request.session.get(SESSION_KEY)
        chosen = kept if kept in choices else (choices[0] if choices else None)
        return MerchantChoice(chosen, choices=choices, error=None if chosen else "not_member")
    return _cached(request, resolve)


def merchant_id_for_request(request):
    """The merchant an API request acts for, or None."""
    return api_merchant_choice(request).merchant_id


def scope_to_merchant(queryset, merchant_id, *, field="merchant_id"):
    """Only the rows of this merchant; nothing at all when there is no merchant."""
    if merchant_id is None:
        return queryset.none()
    return queryset.filter(**{field: merchant_id})


def works_for(user, merchant_id):
    """Is `user` a staff member of the merchant? (A reviewer who is may not act on its cases.)"""
    return merchant_id in merchants_of(user)


def merchants_of(user):
    """The merchant ids `user` works for, looked up once per user object (a list of any length costs one
    query)."""
    cached = getattr(user, "_riskcase_merchants", None)
    if cached is None:
        cached = frozenset(MerchantMembership.objects.filter(user_id=user.pk).values_list("merchant_id", flat=True))
        user._riskcase_merchants = cached
    return cached
