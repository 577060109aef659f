"""Checks on the evidence files of an appeal, before anything is stored: at most 5 files,
10 MB each, and PDF, JPEG or PNG as told by the file's first bytes (never by its name)."""
import hashlib

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _
from rest_framework import serializers

MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024

# Magic numbers at offset 0 (the formats' specifications: PDF 1.7 7.5.2, JFIF/EXIF SOI, PNG signature).
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff(head):
    """The content type of a file from its first bytes, or None when it is not one we take."""
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def file_too_large(name):
    return serializers.ValidationError(
        {"files": [_("%(name)s is larger than 10 MB.") % {"name": name}]}, code="file_too_large")


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
    """Validate the uploads; return [(upload, sha256 hex)] or raise a ValidationError on "files"."""
    if len(files) > MAX_FILES:
        raise serializers.ValidationError(
            {"files": [_("At most %(max)d evidence files can be attached; %(count)d were sent.")
                       % {"max": MAX_FILES, "count": len(files)}]},
            code="too_many_files",
        )
    checked = []
    for upload in files:
        name = upload.name or "?"
        # The size is checked before the content is read, so an oversized file is never hashed.
        if upload.size > MAX_BYTES:
            raise file_too_large(name)
        upload.seek(0)
        if sniff(upload.read(16)) is None:
            raise serializers.ValidationError(
                {"files": [_("%(name)s is not a PDF, JPEG or PNG file.") % {"name": name}]},
                code="unsupported_file_type",
            )
        upload.seek(0)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        checked.append((upload, digest.hexdigest()))
    return checked
