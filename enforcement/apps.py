from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = _("Enforcement")

    def ready(self):
        from cases.replay import register_projection

        from . import replay
        from .models import Penalty, Restriction

        register_projection([Penalty, Restriction], replay.rebuild)
