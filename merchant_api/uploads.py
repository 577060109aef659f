"""The API side of the evidence rule (cases.evidence): refuse an appeal's files with a 400 before
anything is stored, and stop reading an oversized upload early. The rule itself lives in cases."""
import hashlib

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from rest_framework import serializers

from cases import evidence
from cases.errors import EvidenceRejected
from cases.evidence import MAX_BYTES, MAX_FILES, SIGNATURES, sniff

__all__ = ["MAX_BYTES", "MAX_FILES", "SIGNATURES", "SizeGuard", "check_evidence", "file_too_large",
           "guard_upload_size", "sniff"]


def _invalid(error):
    return serializers.ValidationError({"files": [str(error)]}, code=error.context.get("code", "invalid"))


def file_too_large(name):
    return _invalid(evidence.too_large(name))


class SizeGuard(FileUploadHandler):
    """First upload handler of an appeal: stops reading a file as soon as it passes MAX_BYTES, so an
    oversized upload is never spooled to disk whole; the view then refuses the request."""

    def __init__(self, request=None):
        super().__init__(request)
        self.oversized = []

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > MAX_BYTES:
            self.oversized.append(self.file_name)
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers (memory or temporary file) build the file


def guard_upload_size(request):
    """Install a SizeGuard on a request whose body has not been read yet; return it."""
    guard = SizeGuard(request)
    request.upload_handlers.insert(0, guard)
    return guard


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
