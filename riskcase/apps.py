from django.apps import AppConfig
from django.db.backends.signals import connection_created


class RiskcaseConfig(AppConfig):
    """The whole system's commands (the demo) and what every database connection is set up with."""

    name = "riskcase"

    def ready(self):
        from .lib.timestamps import use_iso_loader

        connection_created.connect(use_iso_loader, dispatch_uid="riskcase.timestamps")
