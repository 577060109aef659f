"""Login and token serializers of the merchants' API."""
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import MerchantMembership


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("username"), max_length=150)
    password = serializers.CharField(label=_("password"), max_length=4096, style={"input_type": "password"},
                                     trim_whitespace=False, write_only=True)

    default_error_messages = {
        "invalid_credentials": _("Unable to log in with the given username and password."),
    }

    def validate(self, attrs):
        request = self.context.get("request")
        # The Django request, so django-axes counts a failure and can refuse a locked-out address.
        user = authenticate(getattr(request, "_request", request), username=attrs["username"],
                            password=attrs["password"])
        # A user who is not a merchant's staff gets the same answer as a wrong password.
        if user is None or not user.is_active or not MerchantMembership.objects.filter(user=user).exists():
            self.fail("invalid_credentials")
        attrs["user"] = user
        return attrs


class MerchantSummarySerializer(serializers.Serializer):
    merchant_id = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown only once.")
    expiry = serializers.DateTimeField(allow_null=True, help_text="When the token stops working.")
    username = serializers.CharField()
    merchant = MerchantSummarySerializer(help_text="The user's first merchant (the only one for most users).")
    merchants = MerchantSummarySerializer(
        many=True, help_text="Every merchant the user works for; name one per request in the X-Merchant-Id header "
                             "when there are several.")
