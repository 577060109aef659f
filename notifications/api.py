"""`/api/v1/notifications/`: the caller's inbox (a staff user of a merchant, knox token). Another user's
notification, the same merchant's colleague's or another merchant's, is a 404."""
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.scoping import MerchantScopedMixin

from . import messages, selectors, services
from .models import USER_CHANNELS, Kind, Language, Notification, Preference


class NotificationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    subject = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_label", "subject_id", "subject", "body", "created_at", "read_at"]
        read_only_fields = fields

    def _text(self, obj):
        request = self.context["request"]
        language = Language.ZH_HANS if request.LANGUAGE_CODE.startswith("zh") else Language.EN
        return messages.render(obj, language)

    def get_subject(self, obj) -> str:
        return self._text(obj)[0]

    def get_body(self, obj) -> str:
        return self._text(obj)[1]


class PreferenceSerializer(serializers.ModelSerializer):
    channels = serializers.DictField(child=serializers.ListField(child=serializers.ChoiceField(USER_CHANNELS)),
                                     required=False)

    class Meta:
        model = Preference
        fields = ["language", "phone", "push_token", "channels"]

    def validate_channels(self, value):
        unknown = sorted(set(value) - set(Kind.values))
        if unknown:
            raise serializers.ValidationError(f"unknown kinds: {', '.join(unknown)}")
        return {kind: sorted(set(channels)) for kind, channels in value.items()}


class NotificationViewSet(MerchantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """The caller's notifications, newest first; `unread_count/`, `<id>/read/`, `preferences/`."""

    serializer_class = NotificationSerializer

    def merchant_queryset(self):
        return selectors.inbox(self.request.user)

    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()  # another user's: 404
        notification = services.notification_read(user=request.user, notification_id=notification.pk)
        return Response(self.get_serializer(notification).data)

    @action(detail=False, methods=["get"])
    def unread_count(self, request):
        return Response({"unread": selectors.unread_count(request.user)})

    @action(detail=False, methods=["get", "put"], serializer_class=PreferenceSerializer)
    def preferences(self, request):
        preference = Preference.objects.filter(user=request.user).first() or Preference(user=request.user)
        if request.method == "PUT":
            body = PreferenceSerializer(preference, data=request.data, partial=True)
            body.is_valid(raise_exception=True)
            preference = services.preference_update(user=request.user, **body.validated_data)
        return Response(PreferenceSerializer(preference).data)
