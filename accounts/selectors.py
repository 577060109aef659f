"""Read queries of merchant accounts: which merchant a caller acts for."""
from .models import MerchantMembership

_UNRESOLVED = object()


def merchant_id_for_user(user):
    """The merchant_id the user works for, or None (not a merchant's staff user)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "pk", None):
        return None
    return MerchantMembership.objects.filter(user_id=user.pk).values_list("merchant_id", flat=True).first()


def merchant_id_for_request(request):
    """merchant_id_for_user(request.user), looked up once per request."""
    cached = getattr(request, "_riskcase_merchant_id", _UNRESOLVED)
    if cached is _UNRESOLVED:
        cached = merchant_id_for_user(request.user)
        request._riskcase_merchant_id = cached
    return cached


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
