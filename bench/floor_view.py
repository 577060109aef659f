"""The framework's floor for the HTTP benchmarks: a minimal Django project in one module (no database, no
middleware, no apps) answering one JSON document shaped like the restrictions document. `make bench` serves it
with `gunicorn bench.floor_view:application -c python:riskcase.ops.gunicorn_conf`, the endpoints' own
gunicorn settings, and reports each endpoint's throughput as a ratio to it."""
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import JsonResponse
from django.urls import path

DOCUMENT = {
    "merchant_id": "m-1", "public_warning": True, "can_match_creators": False, "can_advertise": False,
    "can_join_campaigns": False, "traffic_weight": "0.50", "banned_products": ["p-9"], "removed": False,
    "position": 1234,
}


def restrictions(request, merchant_id):
    return JsonResponse({**DOCUMENT, "merchant_id": merchant_id})


def healthz(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("api/v1/restrictions/<str:merchant_id>/", restrictions),
    path("healthz", healthz),
]

if not settings.configured:
    settings.configure(
        DEBUG=False, SECRET_KEY=os.environ.get("SECRET_KEY", "bench-floor-view-" + "x" * 40), ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__, MIDDLEWARE=[], INSTALLED_APPS=[], DATABASES={}, USE_TZ=True,
    )
application = get_wsgi_application()
