from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = _("Enforcement")

    def ready(self):
        from cases.abilities import register_withdrawal_guard
        from eventstore.replay import register_projection

        from . import aggregates, consumers, replay  # noqa: F401 - the penalty aggregate registers its kind
        from .abilities import withdrawal_guard
        from .models import Restriction

        register_projection([Restriction], replay.derive_restrictions)
        consumers.register()
        register_withdrawal_guard(withdrawal_guard)
