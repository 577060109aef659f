"""Top-level URLs."""
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from enforcement.api.views import public_notice_page
from review_api.transparency import report_page
from riskcase.ops.health import healthz, readiness
from riskcase.ops.metrics import metrics_view

# The reviewers' queues need the width: the app list stays on the admin index, not beside every list.
admin.site.enable_nav_sidebar = False
admin.site.site_header = admin.site.site_title = _("RiskCase reviewers' desk")
admin.site.index_title = _("Cases, thresholds and penalties")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("healthz/ready", readiness, name="readiness"),
    path("metrics", metrics_view, name="prometheus-metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("metrics.api.urls")),
    path("api/v1/auth/", include("accounts.urls")),
    path("api/v1/", include("merchant_api.urls")),
    path("api/v1/", include("enforcement.api.urls")),
    path("api/v1/", include("notifications.api_urls")),
    path("api/v1/review/", include("review_api.urls")),
    path("api/v1/transparency/", include("review_api.transparency_urls")),
    path("review/transparency/", report_page, name="transparency-report-page"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("merchant_web.urls")),
    path("", include("notifications.urls")),
    path("public/notices/", public_notice_page, name="public-notice-page"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

# Under /api/ an unknown URL or a crash answers in the API's error format too.
handler404 = "riskcase.api.exceptions.not_found"
handler500 = "riskcase.api.exceptions.server_error"
