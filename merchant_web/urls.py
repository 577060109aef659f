"""URLs of the merchants' pages (mounted at the site root)."""
from django.urls import path

from . import views

app_name = "merchant_web"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("merchant/", views.overview, name="overview"),
    path("merchant/rates/", views.rates, name="rates"),
    path("merchant/warnings/", views.warning_list, name="warnings"),
    path("merchant/warnings/<uuid:pk>/", views.warning_detail, name="warning"),
    path("merchant/warnings/<uuid:pk>/acknowledge/", views.warning_acknowledge_view, name="warning-acknowledge"),
    path("merchant/violations/", views.violation_list, name="violations"),
    path("merchant/violations/<uuid:pk>/", views.violation_detail, name="violation"),
    path("merchant/violations/<uuid:pk>/appeal/", views.violation_appeal, name="violation-appeal"),
    path("merchant/violations/<uuid:pk>/evidence/<uuid:file_id>/", views.violation_evidence, name="violation-evidence"),
]
