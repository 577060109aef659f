from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: system checks run by `manage.py check` (and so by `make serve` before it starts)."""

    name = "riskcase.ops"
    label = "ops"

    def ready(self):
        from . import checks  # noqa: F401 (registers the checks)
