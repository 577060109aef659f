"""URLs of the merchants' pages (mounted at the site root)."""
from django.urls import path

import riskcase.lib.converters  # noqa: F401 - registers <day:...>

from . import views

app_name = "merchant_web"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("merchant/", views.overview, name="overview"),
    path("merchant/switch/", views.switch_merchant, name="switch"),
    path("merchant/rates/", views.rates, name="rates"),
    path("merchant/rates/<day:day>/facts/", views.day_facts, name="day-facts"),
    path("merchant/penalties/", views.penalty_list, name="penalties"),
    path("merchant/products-at-risk/", views.products_at_risk, name="products-at-risk"),
    path("merchant/guidance/<slug:risk_point>/", views.guidance, name="guidance"),
    path("merchant/warnings/<uuid:pk>/facts/", views.warning_facts, name="warning-facts"),
    path("merchant/violations/<uuid:pk>/facts/", views.violation_facts, name="violation-facts"),
    path("merchant/warnings/", views.warning_list, name="warnings"),
    path("merchant/warnings/<uuid:pk>/", views.warning_detail, name="warning"),
    path("merchant/warnings/<uuid:pk>/acknowledge/", views.warning_acknowledge_view, name="warning-acknowledge"),
    path("merchant/warnings/<uuid:pk>/rectify/", views.warning_rectify_view, name="warning-rectify"),
    path("merchant/violations/", views.violation_list, name="violations"),
    path("merchant/violations/<uuid:pk>/", views.violation_detail, name="violation"),
    path("merchant/violations/<uuid:pk>/appeal/", views.violation_appeal, name="violation-appeal"),
    path("merchant/violations/<uuid:pk>/evidence/<uuid:file_id>/", views.violation_evidence, name="violation-evidence"),
]
