"""Merchant API tokens (django-rest-knox), refusing a malformed Authorization header with a 401 instead
of failing on it (knox decodes the token as UTF-8 and would raise on other bytes).

knox reads the tokens of the key sent (with their users), then every token of the user, to delete the other ones
that have expired, on every request: two ORM queries built and compiled each time, and a model instance for each
of the user's tokens, which cost more than the rest of a small request's authentication. Here the first query is
knox's own, compiled once per database connection (riskcase.lib.precompiled), and the second reads only what
knox's loop acts on: the user's other tokens already expired. The rest is knox's code (django-rest-knox
KNOX_VERSION, whose version a test pins so that an upgrade is read again before it is trusted)."""
import binascii
from datetime import datetime
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from riskcase.lib.precompiled import Precompiled

KNOX_VERSION = "5.1.0"  # the knox whose authenticate_credentials and _cleanup_token these are

# knox's read of the tokens of a key with their users, and the tokens its cleanup deletes: the user's others (not
# this digest) whose expiry has passed (a token without one never expires).
_tokens_with_key = Precompiled(lambda key: get_token_model().objects.filter(token_key=key).select_related("user"),
                               key=str)
_expired_others = Precompiled(lambda user_id, digest, now: get_token_model().objects.filter(
    user_id=user_id, expiry__isnull=False, expiry__lt=now).exclude(digest=digest), user_id=int, digest=str, now=datetime)


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token):
        msg = _("Invalid token.")
        try:
            token = token.decode("utf-8") if isinstance(token, bytes) else token
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(msg) from None
        for auth_token in _tokens_with_key(key=token[:CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(msg) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(msg)

    def _cleanup_token(self, auth_token) -> bool:
        user = auth_token.user
        for other_token in _expired_others(user_id=user.pk, digest=auth_token.digest, now=timezone.now()):
            other_token.user = user  # as user.auth_token_set.all() gives them
            other_token.delete()
            username = other_token.user.get_username()
            token_expired.send(sender=self.__class__, username=username, source="other_token")
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme: the same as knox's (drf-spectacular matches classes exactly)."""

    target_class = "riskcase.api.authentication.TokenAuthentication"
