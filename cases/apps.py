from django.db.backends.signals import connection_created
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Risk cases")

    def ready(self):
        from . import sqlite_guard

        connection_created.connect(sqlite_guard.on_connection_created, dispatch_uid="cases.sqlite_guard")
