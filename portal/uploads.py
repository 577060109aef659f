"""Appeal uploads for both presentations: stop reading an oversized file early, and check the files
against the evidence rule (cases.evidence) before anything is stored. Refusals are the domain's
EvidenceRejected; the API turns it into a 400 on "files", the pages into a form error."""
import hashlib

from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from cases import evidence
from cases.evidence import MAX_BYTES, MAX_FILES, SIGNATURES, sniff

__all__ = ["MAX_BYTES", "MAX_FILES", "SIGNATURES", "SizeGuard", "checked_evidence", "guard_upload_size",
           "sniff", "too_large"]

too_large = evidence.too_large


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


def checked_evidence(files):
    """[(upload, sha256 hex)] of files that pass cases.evidence.APPEAL; raises EvidenceRejected."""
    checked = []
    for upload in evidence.check(files, evidence.APPEAL):
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        checked.append((upload, digest.hexdigest()))
    return checked
