"""The merchant_web app."""
from django.apps import AppConfig


class MerchantWebConfig(AppConfig):
    name = "merchant_web"
    verbose_name = "Merchant web pages"
