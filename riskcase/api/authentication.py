"""Merchant API tokens (django-rest-knox), refusing a malformed Authorization header with a 401 instead
of failing on it (knox decodes the token as UTF-8 and would raise on other bytes)."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token):
        try:
            if isinstance(token, bytes):
                token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return super().authenticate_credentials(token)


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme: the same as knox's (drf-spectacular matches classes exactly)."""

    target_class = "riskcase.api.authentication.TokenAuthentication"
