"""The API side of the evidence rule (cases.evidence): refuse an appeal's files with a 400 before
anything is stored, and stop reading an oversized upload early. The rule itself lives in cases."""
import hashlib

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from rest_framework import serializers

from cases import evidence
from cases.errors import EvidenceRejected
from cases.evidence import MAX_BYTES, MAX_FILES, SIGNATURES, sniff

__all__ = ["MAX_BYTES", "MAX_FILES", "SIGNATURES", "SizeGuard", "check_evidence", "guard_upload_size",
           "refuse_streamed", "sniff"]


def _invalid(error):
    return serializers.ValidationError({"files": [str(error)]}, code=error.context.get("code", "invalid"))


class SizeGuard(FileUploadHandler):
    """First upload handler of an appeal: enforces the size of each file and the number of files while
    the body streams in. A file stops being read as soon as it passes MAX_BYTES, and every file after the
    MAX_FILES-th is skipped unread, so neither is ever spooled to memory or disk; the view then refuses
    the whole request (`refusal()`)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.oversized = []
        self.count = 0

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.count += 1
        if self.count > MAX_FILES:
            raise SkipFile()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > MAX_BYTES:
            self.oversized.append(self.file_name)
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers (memory or temporary file) build the file

    def refusal(self):
        """The EvidenceRejected the request earns from what streamed past, or None."""
        if self.count > MAX_FILES:
            return evidence.too_many(self.count)
        if self.oversized:
            return evidence.too_large(self.oversized[0])
        return None


def guard_upload_size(request):
    """Install a SizeGuard on a request whose body has not been read yet; return it."""
    guard = SizeGuard(request)
    request.upload_handlers.insert(0, guard)
    return guard


def refuse_streamed(guard):
    """Raise the 400 for a request whose files the guard cut short (too many, too large)."""
    error = guard.refusal()
    if error is not None:
        raise _invalid(error)


def check_evidence(files):
    """Validate the uploads against cases.evidence.APPEAL; return [(upload, sha256 hex)] or raise a
    ValidationError on "files" (code too_many_files, file_too_large or unsupported_file_type)."""
    try:
        files = evidence.check(files, evidence.APPEAL)
    except EvidenceRejected as error:
        raise _invalid(error) from None
    checked = []
    for upload in files:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        checked.append((upload, digest.hexdigest()))
    return checked
