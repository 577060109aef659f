"""WSGI entry point (gunicorn riskcase.wsgi)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskcase.settings")
application = get_wsgi_application()

# The restrictions endpoint's cache hits are answered before Django's handler (enforcement/api/fastpath.py).
from enforcement.api.fastpath import RestrictionsShortcut  # noqa: E402 - needs the settings loaded above

application = RestrictionsShortcut(application)
