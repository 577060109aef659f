"""The Celery app. Without REDIS_URL tasks run in-process (the demo); with it, on real workers."""
import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskcase.settings")

app = Celery("riskcase")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(loglevel=None, **kwargs):
    """Workers and beat log through settings.LOGGING (JSON lines carrying the task id) instead of the
    handlers Celery would install; --loglevel still sets the level."""
    import logging
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
