"""Guidance for merchants (如何避免此类违规行为), per risk point and language, written by reviewers.

Versioned: a change is a new row with the next version number, never an edit of an old one, so what a
merchant was shown on a given day can always be found again."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import RiskPoint


class GuidanceLanguage(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class GuidanceVersion(models.Model):
    risk_point = models.CharField(_("risk point"), max_length=32, choices=RiskPoint.choices)
    language = models.CharField(_("language"), max_length=8, choices=GuidanceLanguage.choices)
    version = models.PositiveIntegerField(_("version"), editable=False)
    meaning = models.TextField(_("what it means"))
    computation = models.TextField(_("how it is computed"))
    improve = models.TextField(_("how to improve"))
    appeal = models.TextField(_("how to appeal"))
    reminder = models.TextField(_("what may follow"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("written by"), editable=False)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("guidance version")
        verbose_name_plural = _("guidance versions")
        ordering = ["risk_point", "language", "-version"]
        constraints = [models.UniqueConstraint(fields=["risk_point", "language", "version"],
                                               name="guidance_version_unique")]

    def __str__(self):
        return f"{self.get_risk_point_display()} ({self.language}) v{self.version}"
