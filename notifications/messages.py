"""The text of a notification, from templates reviewers can read:
notifications/templates/notifications/messages/<language>/<kind>.txt (first line: the subject; the rest: the
body). Rendered when sent, in the recipient's language, so a violation's notice states the deadline as it is
then (its window starts when this notice arrives, if it is the first)."""
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cases.models import RiskPoint, Violation
from cases.services import appeal_window
from enforcement.models import PenaltyKind
from enforcement.rule_changes import describe_changes, rule_label

from .models import Kind, Language


def site_url():
    return getattr(settings, "RISKCASE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def _instant(value):
    return timezone.localtime(datetime.fromisoformat(value)) if value else None


def message_context(notification, now=None):
    data = dict(notification.context)
    context = {**data, "site": site_url(), "kind": notification.kind, "merchant_id": notification.merchant_id}
    if data.get("risk_point"):
        context["risk_point_label"] = RiskPoint(data["risk_point"]).label
    if data.get("penalty"):
        context["penalty_label"] = PenaltyKind(data["penalty"]).label
    for name in ("starts_at", "ends_at", "decision_due"):
        context[name] = _instant(data.get(name))
    if notification.kind in (Kind.VIOLATION_RECORDED, Kind.APPEAL_RECEIVED, Kind.APPEAL_DECIDED):
        context["link"] = f"{site_url()}/merchant/violations/{notification.subject_id}/"
    elif notification.kind == Kind.WARNING_RAISED:
        context["link"] = f"{site_url()}/merchant/warnings/{notification.subject_id}/"
    else:
        context["link"] = f"{site_url()}/merchant/"
    if notification.kind == Kind.RULE_CHANGED:
        context["rule_label"] = rule_label(data["rule"], data.get("risk_point", ""))
        context["changes"] = describe_changes(data["rule"], data["changes"])
        context["effective_from"] = data["effective_from"]
    if notification.kind == Kind.VIOLATION_RECORDED:
        violation = Violation.objects.filter(pk=notification.subject_id).only("appeal_deadline").first()
        deadline = violation.appeal_deadline if violation and violation.appeal_deadline else None
        context["appeal_deadline"] = timezone.localtime(deadline or (now or timezone.now()) + appeal_window())
        context["window_days"] = appeal_window().days
    return context


def render(notification, language=Language.ZH_HANS, now=None):
    """(subject, body) of `notification` in `language` (zh-hans or en)."""
    language = language if language in Language.values else Language.ZH_HANS
    with translation.override(language):
        text = render_to_string(f"notifications/messages/{language}/{notification.kind}.txt",
                                message_context(notification, now))
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"
