"""What the reviewers' API itself stores: the Idempotency-Key of each successful command."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """A caller's Idempotency-Key and the response its command got; `owner` is the actor ("reviewer:3",
    "service:opinion-monitor"). Stored in the command's transaction, only when it succeeded."""

    owner = models.CharField(_("owner"), max_length=120)
    key = models.CharField(_("key"), max_length=255)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    response = models.JSONField(_("response"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="review_idempotency_key_per_owner")]

    def __str__(self):
        return f"{self.owner}: {self.key}"
