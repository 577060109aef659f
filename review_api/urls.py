from django.urls import path

from . import views
from .auth import ReviewerLoginView

urlpatterns = [
    path("auth/login/", ReviewerLoginView.as_view(), name="review-login"),
    path("warnings/", views.WarningQueueView.as_view(), name="review-warnings"),
    path("violations/", views.ViolationQueueView.as_view(), name="review-violations"),
    path("appeals/", views.AppealQueueView.as_view(), name="review-appeals"),
    path("penalties/", views.PenaltyQueueView.as_view(), name="review-penalties"),
    path("cases/", views.OpenCaseView.as_view(), name="review-case-open"),
    path("cases/<uuid:case_id>/", views.CaseDetailView.as_view(), name="review-case"),
    *[path(f"cases/<uuid:case_id>/{name.replace('_', '-')}/", view.as_view(), name=f"review-case-{name}")
      for name, view in views.CASE_COMMAND_VIEWS.items()],
    *[path(f"{name.replace('_', '-')}/", view.as_view(), name=f"review-{name.replace('_', '-')}")
      for name, view in views.VERSION_ADD_VIEWS.items()],
    path("penalties/propose/", views.ProposePenaltyView.as_view(), name="review-penalty-propose"),
    path("penalties/<uuid:penalty_id>/", views.PenaltyDetailView.as_view(), name="review-penalty"),
    *[path(f"penalties/<uuid:penalty_id>/{name}/", view.as_view(), name=f"review-penalty-{name}")
      for name, view in views.PENALTY_COMMAND_VIEWS.items()],
]
