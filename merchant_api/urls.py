from django.urls import path
from rest_framework.routers import SimpleRouter

import riskcase.lib.converters  # noqa: F401 - registers <day:...>

from . import views

router = SimpleRouter()
router.register("warnings", views.WarningViewSet, basename="api-warnings")
router.register("violations", views.ViolationViewSet, basename="api-violations")
router.register("penalties", views.PenaltyViewSet, basename="api-penalties")

urlpatterns = [
    path("diagnosis/", views.DiagnosisView.as_view(), name="api-diagnosis"),
    path("products-at-risk/", views.ProductsAtRiskView.as_view(), name="api-products-at-risk"),
    path("metrics/", views.MetricsView.as_view(), name="api-metrics"),
    path("guidance/<str:risk_point>/", views.GuidanceView.as_view(), name="api-guidance"),
    path("metrics/<day:day>/facts/", views.MetricsFactsView.as_view(), name="api-metrics-facts"),
    *router.urls,
]
