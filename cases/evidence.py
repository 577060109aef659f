"""The rule every evidence file follows, whatever the entry point (API, web pages, admin): how many
files, how large, and PDF, JPEG or PNG as told by the file's first bytes (never by its name)."""
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import EvidenceRejected

MB = 1024 * 1024
# A merchant's appeal (申诉).
MAX_FILES = 5
MAX_BYTES = 10 * MB
# A case a reviewer opens: more and larger files (press clippings, video stills), same types.
CASE_MAX_FILES = 20

# Magic numbers at offset 0 (the formats' specifications: PDF 1.7 7.5.2, JFIF/EXIF SOI, PNG signature).
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
HEAD_BYTES = 16


def sniff(head):
    """The content type of a file from its first bytes, or None when it is not one we take."""
    if isinstance(head, str):
        head = head.encode("utf-8")
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


@dataclass(frozen=True)
class EvidenceRule:
    max_files: int
    max_bytes: int


APPEAL = EvidenceRule(max_files=MAX_FILES, max_bytes=MAX_BYTES)


def case_rule():
    """The rule of a case a reviewer opens (RISKCASE_EVIDENCE_MAX_BYTES, 20 MB by default)."""
    return EvidenceRule(max_files=CASE_MAX_FILES,
                        max_bytes=getattr(settings, "RISKCASE_EVIDENCE_MAX_BYTES", 20 * MB))


def too_large(name, rule=APPEAL):
    return EvidenceRejected(
        _("%(name)s is larger than %(max)d MB.") % {"name": name, "max": rule.max_bytes // MB},
        code="file_too_large", name=name)


def too_many(count, rule=APPEAL):
    return EvidenceRejected(
        _("At most %(max)d evidence files can be attached; %(count)d were sent.")
        % {"max": rule.max_files, "count": count},
        code="too_many_files")


# What a stored file is named and served as: the type its bytes say, never the uploader's name or header.
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def stored_type(head):
    """(content type, extension) to store and serve a checked file under, from its first bytes."""
    content_type = sniff(head) or "application/octet-stream"
    return content_type, EXTENSIONS.get(content_type, ".bin")


def _size(upload):
    size = getattr(upload, "size", None)
    if size is not None:
        return size
    upload.seek(0, 2)
    size = upload.tell()
    upload.seek(0)
    return size


def check(files, rule=APPEAL):
    """Refuse `files` with EvidenceRejected (`.context["code"]`: too_many_files, file_too_large or
    unsupported_file_type) unless all follow `rule`. Reads only each file's size and first bytes."""
    files = list(files or ())
    if len(files) > rule.max_files:
        raise too_many(len(files), rule)
    for upload in files:
        name = getattr(upload, "name", "") or "?"
        # The size first, so an oversized file is never read.
        if _size(upload) > rule.max_bytes:
            raise too_large(name, rule)
        upload.seek(0)
        head = upload.read(HEAD_BYTES)
        upload.seek(0)
        if sniff(head) is None:
            raise EvidenceRejected(_("%(name)s is not a PDF, JPEG or PNG file.") % {"name": name},
                                   code="unsupported_file_type", name=name)
    return files


def verify_stored_files():
    """Evidence files that are missing or whose SHA-256 differs from the event that attached them
    (an audit check registered with eventstore.audit)."""
    from django.core.files.storage import default_storage

    from eventstore.models import Event

    problems = []
    for event in Event.objects.filter(type__in=["violation.recorded", "violation.appeal_submitted"]).order_by("pk"):
        for item in event.data.get("files", []) + event.data.get("evidence_files", []):
            if not default_storage.exists(item["path"]):
                problems.append(f"event #{event.pk}: evidence file {item['path']} ({item['name']}) is missing")
                continue
            digest = hashlib.sha256()
            with default_storage.open(item["path"], "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 16), b""):
                    digest.update(chunk)
            if digest.hexdigest() != item["sha256"]:
                problems.append(f"event #{event.pk}: evidence file {item['path']} ({item['name']}) was changed")
    return problems
