"""Abstract models the apps share (no table of their own)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredResponse(models.Model):
    """An Idempotency-Key and the response its command got (riskcase.api.idempotency).

    Stored in the same transaction as the command it guards, and only when the command succeeded: a failed
    request stored nothing, so retrying it with the same key runs it again. A subclass adds who owns the key
    and the unique constraint over (owner, key)."""

    key = models.CharField(_("key"), max_length=255)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    response = models.JSONField(_("response"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
