"""Serializer fields that take exactly what the OpenAPI schema says they take."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers

# Text with at least one character that is neither white space nor NUL (what a trimmed, non-blank CharField keeps).
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


class StrictCharField(serializers.CharField):
    """A CharField that takes only a JSON string, as its schema's `type: string` says (DRF's own turns the
    number 0 into "0"). When blank is refused, the schema says that white space alone is blank too."""

    default_error_messages = {"not_a_string": _("Give text (a string).")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictCharFieldSchema(OpenApiSerializerFieldExtension):
    target_class = StrictCharField

    def map_serializer_field(self, auto_schema, _direction):
        schema = build_basic_type(OpenApiTypes.STR)
        field = self.target
        if field.max_length is not None:
            schema["maxLength"] = field.max_length
        if field.min_length is not None:
            schema["minLength"] = field.min_length
        if not field.allow_blank:
            schema["minLength"] = max(schema.get("minLength", 1), 1)
            if field.trim_whitespace:
                schema["pattern"] = NOT_BLANK
        return schema
