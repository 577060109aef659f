"""SMS and app push go through a backend: any class with

    send(*, to: str, subject: str, body: str, idempotency_key: str) -> None   # raises DeliveryFailed

configured per channel in settings, e.g.

    RISKCASE_NOTIFY_BACKENDS = {
        "sms": {"BACKEND": "notifications.backends.HttpGatewayBackend", "URL": "https://sms.example/send",
                "TOKEN": "..."},
        "push": {"BACKEND": "notifications.backends.HttpGatewayBackend", "URL": "https://push.example/send",
                 "TOKEN": "..."},
    }

A channel without a backend is off (no delivery is created for it). HttpGatewayBackend POSTs
{"to", "subject", "body", "idempotency_key"} as JSON with `Authorization: Bearer <TOKEN>` and the
`Idempotency-Key` header; any 2xx is a success, anything else (or no answer in TIMEOUT seconds) a failure
that is retried with backoff.
"""
import json
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string


class DeliveryFailed(Exception):
    pass


def _config(channel):
    return (getattr(settings, "RISKCASE_NOTIFY_BACKENDS", None) or {}).get(str(channel))


def configured(channel):
    return bool(_config(channel))


def get_backend(channel):
    config = dict(_config(channel) or {})
    if not config:
        raise DeliveryFailed(f"no backend configured for {channel}")
    return import_string(config.pop("BACKEND"))(**{k.lower(): v for k, v in config.items()})


def post_json(url, payload, headers, timeout):
    """POST JSON bytes or a dict; raise DeliveryFailed unless the answer is 2xx."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **headers},
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
            if not 200 <= response.status < 300:
                raise DeliveryFailed(f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None


class HttpGatewayBackend:
    """An SMS or push gateway reached over HTTP(S) with a bearer token."""

    def __init__(self, url, token="", timeout=5):
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, *, to, subject, body, idempotency_key):
        headers = {"Idempotency-Key": idempotency_key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        post_json(self.url, {"to": to, "subject": subject, "body": body, "idempotency_key": idempotency_key},
                  headers, self.timeout)
