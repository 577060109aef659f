"""Who is asking: the client's address behind trusted proxies only, and the answer to a locked-out login.

RISKCASE_TRUSTED_PROXIES lists the addresses or networks of the proxies in front of the application
(default: none). A client-sent X-Forwarded-For is believed only as far as it was appended by one of them:
the client is the right-most address that is not a trusted proxy. With none trusted it is the peer's
address, whatever the headers say, so a guesser cannot pose as a new client on every request.
"""
import ipaddress
from functools import lru_cache

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


@lru_cache(maxsize=8)
def _networks(proxies):
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _parse(value):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address, networks):
    return address is not None and any(address in net for net in networks)


def client_ip(request):
    """The client's address as the trusted proxies saw it (never a header a client could forge)."""
    peer = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(getattr(settings, "RISKCASE_TRUSTED_PROXIES", ())))
    if not _trusted(_parse(peer), networks):
        return peer
    forwarded = [a for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for raw in reversed(forwarded):
        address = _parse(raw)
        if address is None:
            return peer  # a malformed entry: nothing left of it can be trusted
        if not _trusted(address, networks):
            return str(address)
    return str(_parse(forwarded[0])) if forwarded else peer


def lockout_response(request, credentials=None, *args, **kwargs):
    """django-axes: too many failed logins from this address. The API's error format under /api/, a page
    elsewhere; 429 either way."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("Too many failed sign-in attempts. Try again in %(minutes)d minutes.") % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": {"code": "too_many_login_failures", "message": message, "fields": {}}},
                                status=429)
    else:
        response = render(request, "merchant_web/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


class LoginLimitBackend(AxesStandaloneBackend):
    """django-axes' check before the password backends. Every login form passes its request (Django's
    login and admin forms, the API's serializer); a call without one is code, not a client (the shell,
    Django's test client `login()`), and has no address to count, so it is left to the next backend."""

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
