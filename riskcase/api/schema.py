"""OpenAPI (drf-spectacular): the error format as a schema component, the service token scheme, and who may
call each operation (reviewer, service scope)."""
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. not_found, invalid_range.")
    message = serializers.CharField(help_text="Human-readable, in the language of Accept-Language.")
    fields = serializers.DictField(
        child=serializers.JSONField(), help_text="Per request field: its error messages. Empty when none."
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_DESCRIPTIONS = {
    400: "Invalid request",
    401: "Missing, expired or revoked token",
    403: "The token's user is not a merchant's staff user",
    404: "No such object, or it belongs to another merchant",
    409: "Conflict with the current state (changed by someone else, or not allowed in this state)",
    415: "The body is not in a media type this operation takes",
    429: "Too many requests for this token",
}


def error_responses(*statuses):
    """extend_schema(responses=...) entries for the given error statuses, all in the error format."""
    return {s: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS.get(s, "Error")) for s in statuses}


class ServiceTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Bearer <service token>` of the platform's own systems; each operation names the scope
    it needs in its description and in `x-service-scope`."""

    target_class = "metrics.authentication.ServiceTokenAuthentication"
    name = "serviceToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "A platform system's service token (manage.py create_service_token). Each operation "
                               "needs one scope, named in its `x-service-scope`: " + ", ".join(_scopes()) + "."}


def _scopes():
    from metrics.models import ServiceScope

    return ServiceScope.values


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, plus who may call each operation: `x-service-scope` (the service token
    scope it requires, if a service may call it at all) and `x-reviewer` (a reviewer's knox token)."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        from metrics.authentication import ServiceTokenAuthentication, required_scope

        auth = getattr(self.view, "authentication_classes", ()) or ()
        if any(issubclass(a, ServiceTokenAuthentication) for a in auth):
            request = type("_Request", (), {"method": method.upper()})()
            scope = required_scope(self.view, request)
            if scope:
                operation["x-service-scope"] = scope
            else:
                # No scope: no service token may call it; do not offer the scheme.
                operation["security"] = [r for r in operation.get("security", []) if "serviceToken" not in r]
        if getattr(self.view, "reviewer_api", False):
            operation["x-reviewer"] = True
        return operation


NO_NUL = "^[^\\u0000]*$"


def _no_nul(schema):
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and not ({"enum", "format", "pattern"} & schema.keys()):
        schema["pattern"] = NO_NUL
    for key in ("properties",):
        for child in (schema.get(key) or {}).values():
            _no_nul(child)
    for key in ("items", "additionalProperties"):
        _no_nul(schema.get(key))
    for key in ("allOf", "anyOf", "oneOf"):
        for child in schema.get(key) or []:
            _no_nul(child)


def text_has_no_nul_characters(result, generator, request, public):
    """POSTPROCESSING_HOOK: every free-text input (request bodies, parameters) says what Django enforces: no NUL
    character (Django's and DRF's CharFields refuse it)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            _no_nul(component)
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") != "header":
                    _no_nul(parameter.get("schema"))
    return result
