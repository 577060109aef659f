"""Stream names: one `stream_name` / `parse_stream` pair for every aggregate ("violation-<uuid>")."""
import re

_STREAM = re.compile(r"^(?P<kind>[a-z_]+)[-:](?P<key>.+)$")


def stream_name(kind, key):
    return f"{kind}-{key}"


def parse_stream(stream):
    """(kind, key) of a stream name. Reference-data streams written before this module used ':'
    ("threshold:food:complaint_rate"); they parse the same way."""
    match = _STREAM.match(stream)
    if match is None:
        raise ValueError(f"not a stream name: {stream!r}")
    return match["kind"], match["key"]
