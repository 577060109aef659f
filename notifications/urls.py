from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("merchant/notifications/", views.inbox, name="inbox"),
    path("merchant/notifications/settings/", views.preferences, name="preferences"),
    path("merchant/notifications/<int:pk>/", views.detail, name="detail"),
    path("merchant/notifications/<int:pk>/read/", views.mark_read, name="read"),
]
