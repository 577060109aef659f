from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = _("Trade facts and daily metrics")

    def ready(self):
        from django.db.models.signals import post_delete

        from .authentication import announce_revocation
        from .models import ServiceToken

        # Deleting a token (admin, shell) revokes it everywhere, as the revoke action does.
        post_delete.connect(lambda **kwargs: announce_revocation(), sender=ServiceToken, weak=False,
                            dispatch_uid="metrics.service_token_deleted")
