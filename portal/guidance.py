"""Guidance per risk point: publishing a new version (reviewers, in admin) and reading the one in force."""
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import get_language

from .models import GuidanceLanguage, GuidanceVersion

SECTIONS = ("meaning", "computation", "improve", "appeal", "reminder")


def guidance_publish(*, risk_point, language, author=None, **sections):
    """Add the next version of the guidance for (risk_point, language); old versions are kept as written."""
    last_error = None
    for _attempt in range(3):
        try:
            with transaction.atomic():
                latest = (GuidanceVersion.objects.filter(risk_point=risk_point, language=language)
                          .aggregate(v=Max("version"))["v"] or 0)
                return GuidanceVersion.objects.create(risk_point=risk_point, language=language,
                                                      version=latest + 1, created_by=author,
                                                      **{k: sections[k] for k in SECTIONS})
        except IntegrityError as error:  # someone published the same version number first: take the next one
            last_error = error
            continue
    raise last_error


def _language():
    return GuidanceLanguage.ZH_HANS if (get_language() or "").lower().startswith("zh") else GuidanceLanguage.EN


def current_guidance(risk_point, language=None):
    """The latest version for the risk point in the language (the request's by default), or None."""
    return (GuidanceVersion.objects.filter(risk_point=risk_point, language=language or _language())
            .order_by("-version").first())
