"""Idempotency-Key for the commands of every API (the IETF httpapi Idempotency-Key draft).

The key, the caller (a merchant, a reviewer, a platform system) and a hash of the request are stored with
the response, in the
same transaction as the command. A retry with the same key and the same request gets the stored
response again (header Idempotent-Replayed: true) and runs nothing; the same key with another
request is a 422. A concurrent retry waits on the key's unique index until the first commits.
"""
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions, status

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
# What key_from accepts, for the OpenAPI parameter: printable ASCII with at least one non-space character.
SCHEMA = {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "pattern": "^[ -~]*[!-~][ -~]*$"}


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


def key_from(request):
    """The request's Idempotency-Key, or None; a malformed one is a 400."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_LENGTH or not key.isascii() or not key.isprintable():
        raise exceptions.ValidationError(
            {HEADER: [_("The Idempotency-Key header must be 1 to 255 printable ASCII characters.")]},
            code="invalid_idempotency_key",
        )
    return key


def request_hash(*parts):
    """A stable hash of what makes two requests "the same" (JSON-serialisable parts)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def run_once(*, model, owner, key, fingerprint, command):
    """(status, body, replayed): run `command() -> (status, body)` once per (owner, key).

    `model` is the presentation's key table (key, request_hash, status_code, response and the owner fields,
    unique together); `owner` is the dict of owner fields, e.g. {"merchant_id": "m-1"}.

    Without a key the command simply runs. With one, the command and the stored key commit
    together; if the command raises, neither is stored, so the request may be retried.
    """
    if key is None:
        return (*command(), False)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = model.objects.create(**owner, key=key, request_hash=fingerprint, status_code=0, response={})
        except IntegrityError:
            record = model.objects.get(**owner, key=key)
            if record.request_hash != fingerprint:
                raise IdempotencyKeyReused(
                    _("This Idempotency-Key was already used for a different request; use a new key.")
                ) from None
            return record.status_code, record.response, True
        status_code, body = command()
        record.status_code, record.response = status_code, body
        record.save(update_fields=["status_code", "response"])
    return status_code, body, False
