from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchantApiConfig(AppConfig):
    name = "merchant_api"
    verbose_name = _("Merchants' API")
