"""Merchant API tokens (django-rest-knox), refusing a malformed Authorization header with a 401 instead
of failing on it (knox decodes the token as UTF-8 and would raise on other bytes).

knox reads the tokens of the key sent (with their users), then every token of the user, to delete the other ones
that have expired, on every request: two ORM queries built and compiled each time, one after the other, and a
model instance for each of the user's tokens, which cost more than the rest of a small request's authentication.
Here both reads are compiled once per database connection (riskcase.lib.precompiled) and sent together (one round
trip on PostgreSQL): knox's own, and the tokens already expired of the users whose token has this key, of which
knox's loop acts on the user's other ones (not the token's own digest), exactly the tokens knox deletes. The rest
is knox's code (django-rest-knox KNOX_VERSION, whose version a test pins so that an upgrade is read again before
it is trusted)."""
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

from riskcase.lib.precompiled import Precompiled, together

KNOX_VERSION = "5.1.0"  # the knox whose authenticate_credentials and _cleanup_token these are

# knox's read of the tokens of a key with their users; the expired tokens of the users who have a token with that
# key (a token without an expiry never expires), of which knox deletes each user's others.
_tokens_with_key = Precompiled(lambda key: get_token_model().objects.filter(token_key=key).select_related("user"),
                               key=str)
_expired_of_key_owners = Precompiled(lambda key, now: get_token_model().objects.filter(
    user__in=get_token_model().objects.filter(token_key=key).values("user_id"), expiry__isnull=False,
    expiry__lt=now).order_by("digest"), key=str, now=datetime)


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token):
        msg = _("Invalid token.")
        try:
            token = token.decode("utf-8") if isinstance(token, bytes) else token
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(msg) from None
        key = token[:CONSTANTS.TOKEN_KEY_LENGTH]
        tokens, expired = together(_tokens_with_key.later(key=key),
                                   _expired_of_key_owners.later(key=key, now=timezone.now()))
        for auth_token in tokens:
            if self._cleanup(auth_token, expired):
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

    def _cleanup(self, auth_token, expired) -> bool:
        """knox's _cleanup_token, its read of the user's tokens replaced by `expired` (the tokens expired of the
        key's users, read with the key's): each one deleted once, whatever the loop finds next."""
        user = auth_token.user
        others = [t for t in expired if t.user_id == user.pk and t.digest != auth_token.digest]
        expired[:] = [t for t in expired if t not in others]
        for other_token in others:
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
