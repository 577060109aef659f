from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = _("Enforcement")

    def ready(self):
        from cases.abilities import register_withdrawal_guard
        from cases.replay import register_projection

        from . import replay
        from .abilities import withdrawal_guard
        from .models import Penalty, Restriction

        register_projection([Penalty, Restriction], replay.rebuild)
        register_withdrawal_guard(withdrawal_guard)
