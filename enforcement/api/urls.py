from django.urls import path

from . import views

urlpatterns = [
    path("restrictions/<str:merchant_id>/", views.RestrictionsView.as_view(), name="restrictions"),
    path("public-notices/", views.PublicNoticeView.as_view(), name="public-notices"),
]
