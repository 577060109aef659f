"""`/api/v1/notifications/`: the caller's inbox (a staff user of a merchant, knox token). Another user's
notification, the same merchant's colleague's or another merchant's, is a 404."""
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from accounts.scoping import MerchantScopedMixin
from riskcase.api.fields import StrictCharField
from riskcase.api.schema import error_responses

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


@extend_schema_field({
    "type": "object", "additionalProperties": False,
    "properties": {kind: {"type": "array", "items": {"type": "string", "enum": list(USER_CHANNELS)}}
                   for kind in Kind.values},
    "description": "Per kind of notice, the channels it goes on (a kind not listed goes on every channel you have "
                   "an address for; violation, penalty and expiry notices go everywhere whatever you choose).",
})
class ChannelsField(serializers.DictField):
    """{kind: [channel, ...]}: only the known kinds, each with the user's channels (the schema says the same)."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.ListField(child=serializers.ChoiceField(USER_CHANNELS)), **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        unknown = sorted(set(value) - set(Kind.values))
        if unknown:
            raise serializers.ValidationError(f"unknown kinds: {', '.join(unknown)}")
        return {kind: sorted(set(channels)) for kind, channels in value.items()}


class PreferenceSerializer(serializers.ModelSerializer):
    phone = StrictCharField(max_length=32, allow_blank=True, required=False)
    push_token = StrictCharField(max_length=255, allow_blank=True, required=False)
    channels = ChannelsField(required=False)

    class Meta:
        model = Preference
        fields = ["language", "phone", "push_token", "channels"]


class NotificationViewSet(MerchantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """The caller's notifications, newest first; `unread_count/`, `<id>/read/`, `preferences/`."""

    serializer_class = NotificationSerializer
    metadata_class = None  # no OPTIONS description (the preferences action has no object to describe)
    ordering = ("-created_at", "-id")
    lookup_value_regex = "[0-9]{1,18}"

    def merchant_queryset(self):
        return selectors.inbox(self.request.user)

    @extend_schema(responses={200: NotificationSerializer(many=True), **error_responses(400, 401, 403, 429)},
                   tags=["notifications"])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: NotificationSerializer, **error_responses(401, 403, 404, 429)},
                   tags=["notifications"])
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: NotificationSerializer, **error_responses(401, 403, 404, 429)},
                   tags=["notifications"])
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()  # another user's: 404
        notification = services.notification_read(user=request.user, notification_id=notification.pk)
        return Response(self.get_serializer(notification).data)

    @extend_schema(responses={200: inline_serializer("UnreadCount", {"unread": serializers.IntegerField()}),
                              **error_responses(401, 403, 429)}, tags=["notifications"])
    @action(detail=False, methods=["get"])
    def unread_count(self, request):
        return Response({"unread": selectors.unread_count(request.user)})

    @extend_schema(request=PreferenceSerializer, responses={200: PreferenceSerializer,
                                                            **error_responses(400, 401, 403, 429)},
                   tags=["notifications"])
    @action(detail=False, methods=["get", "put"], serializer_class=PreferenceSerializer,
            parser_classes=[JSONParser])  # a JSON document: a form cannot carry the channels mapping
    def preferences(self, request):
        preference = Preference.objects.filter(user=request.user).first() or Preference(user=request.user)
        if request.method == "PUT":
            body = PreferenceSerializer(preference, data=request.data, partial=True)
            body.is_valid(raise_exception=True)
            preference = services.preference_update(user=request.user, **body.validated_data)
        return Response(PreferenceSerializer(preference).data)
