"""DRF's JSON, its bytes exactly, written by orjson for the large plain bodies (the diagnosis, the metrics series).

DRF's JSONRenderer goes through the standard library's json with an encoder class, half a millisecond for the
diagnosis's 58 KB; orjson (already the ingest's parser) writes the same bytes in a twentieth of that. The same
bytes for what `represent()` returns: str, int, bool, None, and lists and dicts of them with str keys, compact
and non-ASCII as UTF-8 (this API's UNICODE_JSON, COMPACT_JSON and STRICT_JSON), U+2028 and U+2029 escaped as DRF
escapes them; a subclass of str, int, list or dict (a choice's enum member, which DRF's ChoiceField returns, an
ErrorDetail) by its value, as the standard library writes it. A float is written apart (1.5e-7 where DRF writes
1.5e-07, null where it refuses a NaN): only views whose serializers hold no float use this renderer, and a test
walks their fields. Anything else orjson would write its own way (a date or time, a dataclass) or not at all (a
Decimal, a lazy translation, a key that is no str, an int beyond 64 bits) goes to DRF's renderer."""
import orjson
from rest_framework.renderers import JSONRenderer

_OWN_WAY = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class PlainJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if (data is None or not self.compact or self.ensure_ascii or not self.strict
                or self.get_indent(accepted_media_type, renderer_context or {}) is not None):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, option=_OWN_WAY)
        except TypeError:  # orjson.JSONEncodeError included
            return super().render(data, accepted_media_type, renderer_context)
        return rendered.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")
