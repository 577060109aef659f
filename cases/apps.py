from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Risk cases")

    def ready(self):
        from eventstore.audit import register_audit_check

        from . import aggregates, evidence  # noqa: F401 - aggregates register their stream kinds

        register_audit_check(evidence.verify_stored_files)
