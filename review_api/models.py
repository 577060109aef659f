"""What the reviewers' API itself stores: the Idempotency-Key of each successful command."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from riskcase.models import StoredResponse


class IdempotencyKey(StoredResponse):
    """A caller's Idempotency-Key and the response its command got; `owner` is the actor ("reviewer:3",
    "service:opinion-monitor")."""

    owner = models.CharField(_("owner"), max_length=120)

    class Meta(StoredResponse.Meta):
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="review_idempotency_key_per_owner")]

    def __str__(self):
        return f"{self.owner}: {self.key}"
