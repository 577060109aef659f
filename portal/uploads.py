"""Appeal uploads for both presentations: stop reading an oversized file, or a file past the count, while
the body streams in, and check the files
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
