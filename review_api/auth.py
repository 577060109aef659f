"""A reviewer logs in for their own knox token: the merchants' login (same limits, expiry, throttle), for
staff users in a reviewer group. Log out with /api/v1/auth/logout/ as merchants do."""
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from accounts.serializers import LoginSerializer
from accounts.views import LoginView
from riskcase.api.schema import error_responses

from .permissions import is_reviewer


class ReviewerLoginSerializer(LoginSerializer):
    def validate(self, attrs):
        user = authenticate(self.context.get("request"), username=attrs["username"], password=attrs["password"])
        # Anyone else (a merchant's staff, a staff user outside the reviewer groups) gets the wrong-password answer.
        if user is None or not is_reviewer(user):
            self.fail("invalid_credentials")
        attrs["user"] = user
        return attrs


class ReviewerTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown only once.")
    expiry = serializers.DateTimeField(allow_null=True)
    username = serializers.CharField()
    groups = serializers.ListField(child=serializers.CharField())


class ReviewerLoginView(LoginView):
    """Exchange a reviewer's username and password for their own API token."""

    login_serializer = ReviewerLoginSerializer

    @extend_schema(request=ReviewerLoginSerializer,
                   responses={200: ReviewerTokenSerializer, **error_responses(400, 409, 429)},
                   auth=[], operation_id="review_auth_login", tags=["review"])
    def post(self, request):
        return super().post(request)

    def token_body(self, user, token, instance):
        return ReviewerTokenSerializer({"token": token, "expiry": instance.expiry, "username": user.get_username(),
                                        "groups": sorted(user.groups.values_list("name", flat=True))}).data



