from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class EventstoreConfig(AppConfig):
    name = "eventstore"
    verbose_name = _("Event store")

    def ready(self):
        from . import flush_guard

        connection_created.connect(flush_guard.on_connection_created, dispatch_uid="eventstore.flush_guard")
