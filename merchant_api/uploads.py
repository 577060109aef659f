"""The API side of the evidence rule: refuse an appeal's files with a 400 on "files" before anything
is stored. The rule and the size guard live in cases.evidence and portal.uploads."""
from rest_framework import serializers

from cases.errors import EvidenceRejected
from portal.uploads import MAX_BYTES, MAX_FILES, SIGNATURES, checked_evidence, guard_upload_size, sniff

__all__ = ["MAX_BYTES", "MAX_FILES", "SIGNATURES", "check_evidence", "guard_upload_size", "refuse_streamed", "sniff"]


def _invalid(error):
    return serializers.ValidationError({"files": [str(error)]}, code=error.context.get("code", "invalid"))




def refuse_streamed(guard):
    """Raise the 400 for a request whose files the guard cut short (too many, too large)."""
    error = guard.refusal()
    if error is not None:
        raise _invalid(error)


def check_evidence(files):
    """checked_evidence(files), or a ValidationError on "files" (code too_many_files, file_too_large or
    unsupported_file_type)."""
    try:
        return checked_evidence(files)
    except EvidenceRejected as error:
        raise _invalid(error) from None
