from django.apps import AppConfig
from django.db.backends.signals import connection_created


class OpsConfig(AppConfig):
    """Operations: system checks run by `manage.py check` (and so by `make serve` before it starts), and what
    every new database connection is set up with (riskcase.lib.timestamps)."""

    name = "riskcase.ops"
    label = "ops"

    def ready(self):
        from riskcase.lib.timestamps import use_iso_loader

        from . import checks  # noqa: F401 (registers the checks)

        connection_created.connect(use_iso_loader, dispatch_uid="riskcase.timestamps")
