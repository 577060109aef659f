"""The Celery app. Without REDIS_URL tasks run in-process (the demo); with it, on real workers."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskcase.settings")

app = Celery("riskcase")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
