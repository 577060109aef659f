from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("warnings", views.WarningViewSet, basename="api-warnings")
router.register("violations", views.ViolationViewSet, basename="api-violations")
router.register("penalties", views.PenaltyViewSet, basename="api-penalties")

urlpatterns = [
    path("diagnosis/", views.DiagnosisView.as_view(), name="api-diagnosis"),
    path("metrics/", views.MetricsView.as_view(), name="api-metrics"),
    *router.urls,
]
