"""Log in (username and password for a knox token), log out, log out everywhere."""
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from knox.models import get_token_model
from knox.settings import knox_settings
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from riskcase.api.authentication import TokenAuthentication
from riskcase.api.exceptions import Conflict
from riskcase.api.schema import error_responses
from riskcase.api.throttling import LoginRateThrottle

from .serializers import LoginSerializer, TokenSerializer


class LoginView(APIView):
    """Exchange a merchant staff user's username and password for an API token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]
    login_serializer = LoginSerializer  # who may log in here (another presentation swaps it)

    @extend_schema(
        request=LoginSerializer, responses={200: TokenSerializer, **error_responses(400, 409, 429)},
        auth=[], operation_id="auth_login", tags=["auth"],
    )
    def post(self, request):
        serializer = self.login_serializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        tokens = get_token_model().objects
        now = timezone.now()
        tokens.filter(user=user, expiry__lt=now).delete()
        limit = knox_settings.TOKEN_LIMIT_PER_USER
        if limit is not None and tokens.filter(Q(expiry__gt=now) | Q(expiry__isnull=True), user=user).count() >= limit:
            raise Conflict(
                _("This user already has the most active tokens allowed; log out on another device first."),
                code="token_limit_reached",
            )
        instance, token = tokens.create(user=user, expiry=knox_settings.TOKEN_TTL)
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response(self.token_body(user, token, instance))

    def token_body(self, user, token, instance):
        merchants = [{"merchant_id": m.merchant_id, "name": m.name, "category": m.category}
                     for m in (ms.merchant for ms in user.merchant_memberships.select_related("merchant")
                               .order_by("merchant_id"))]
        body = {
            "token": token,
            "expiry": instance.expiry,
            "username": user.get_username(),
            "merchant": merchants[0],
            "merchants": merchants,
        }
        return TokenSerializer(body).data


class LogoutView(APIView):
    """Revoke the token this request was made with."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None, **error_responses(401, 429)},
                   operation_id="auth_logout", tags=["auth"])
    def post(self, request):
        request.auth.delete()
        user_logged_out.send(sender=request.user.__class__, request=request._request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every token of this user (all devices)."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None, **error_responses(401, 429)},
                   operation_id="auth_logout_all", tags=["auth"])
    def post(self, request):
        request.user.auth_token_set.all().delete()
        user_logged_out.send(sender=request.user.__class__, request=request._request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
