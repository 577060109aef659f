"""DRF authentication for the platform's own systems: `Authorization: Bearer <service token>`."""
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ServiceToken


class ServicePrincipal:
    """The authenticated caller of a service endpoint (not a Django user)."""

    is_authenticated = True
    is_service = True

    def __init__(self, token):
        self.token = token
        self.pk = None
        self.username = f"service:{token.name}"

    def __str__(self):
        return self.username


class ServiceTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode().lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header."))
        raw = header[1].decode(errors="replace")
        token = ServiceToken.objects.filter(digest=ServiceToken.hash(raw), revoked_at__isnull=True).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked service token."))
        return ServicePrincipal(token), token

    def authenticate_header(self, request):
        return self.keyword


class IsService:
    """Permission: only a service token, never a merchant or staff session."""

    def has_permission(self, request, view):
        return bool(getattr(request.user, "is_service", False))

    def has_object_permission(self, request, view, obj):
        return self.has_permission(request, view)
