"""Top-level URLs."""
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from enforcement.api.views import public_notice_page
from review_api.transparency import report_page
from riskcase.ops.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("metrics.api.urls")),
    path("api/v1/auth/", include("accounts.urls")),
    path("api/v1/", include("merchant_api.urls")),
    path("api/v1/", include("enforcement.api.urls")),
    path("api/v1/review/", include("review_api.urls")),
    path("api/v1/transparency/", include("review_api.transparency_urls")),
    path("review/transparency/", report_page, name="transparency-report-page"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("merchant_web.urls")),
    path("public/notices/", public_notice_page, name="public-notice-page"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

# Under /api/ an unknown URL or a crash answers in the API's error format too.
handler404 = "riskcase.api.exceptions.not_found"
handler500 = "riskcase.api.exceptions.server_error"
