"""Who may call the reviewers' API: a reviewer with their own knox token, or a platform system whose
service token carries the operation's scope (`required_scope` on the view)."""
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from eventstore.actors import Actor
from metrics.authentication import HasScope, ServiceTokenAuthentication
from riskcase.api.authentication import TokenAuthentication

REVIEWER_GROUPS = ("reviewer", "senior_reviewer", "auditor")
AUTHENTICATION = [TokenAuthentication, ServiceTokenAuthentication]


def is_reviewer(user):
    if user is None or getattr(user, "is_service", False) or not user.is_authenticated:
        return False
    return user.is_active and user.is_staff and (
        user.is_superuser or user.groups.filter(name__in=REVIEWER_GROUPS).exists())


class IsReviewer(permissions.BasePermission):
    """A staff user in a reviewer group (reviewer, senior_reviewer, auditor). What they may *do* is
    decided by the services, under their lock, with the same abilities rules as admin."""

    message = _("This API is for reviewers (staff users in a reviewer group).")

    def has_permission(self, request, view):
        return is_reviewer(request.user)


ReviewerOrScoped = IsReviewer | HasScope


def actor_for(request):
    """The actor recorded in the events: the reviewer, or the platform system named by its token."""
    if getattr(request.user, "is_service", False):
        return Actor.service(request.user.token.name)
    return Actor.reviewer(request.user)
