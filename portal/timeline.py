"""A violation's history as its merchant may see it: what happened, when, and the reasons given.

Built from the case's event stream (cases.selectors.case_timeline). Reviewers are only ever
"platform reviewer"; assignment, internal rule details (threshold versions, related merchants)
and stored file paths never leave this module. Event types not listed here are not shown.
"""
from datetime import datetime

from django.utils.translation import gettext as _

from eventstore.actors import MERCHANT_KIND, REVIEWER_KIND

# actor kind -> what the merchant sees
ACTORS = {MERCHANT_KIND: "merchant", REVIEWER_KIND: "platform_reviewer"}


def actor_label(kind):
    return {"merchant": _("You"), "platform_reviewer": _("Platform reviewer")}.get(kind, _("Platform system"))


def _instant(text):
    """An event's stored UTC text ("...Z") as a datetime, so it renders like every other field."""
    return None if not text else datetime.fromisoformat(text.replace("Z", "+00:00"))


def _files(items):
    return [{"name": f.get("name", ""), "size": f.get("size")} for f in items or ()]


def _entry(event, kind, summary, **extra):
    actor = ACTORS.get(event.actor.kind, "system")
    return {
        "occurred_at": event.occurred_at, "type": kind, "actor": actor, "actor_label": actor_label(actor),
        "summary": summary, "statement": None, "reasons": None, "files": [], "deadline": None, **extra,
    }


def _recorded(event):
    data = event.data
    if data.get("appeal_deadline"):  # recorded before notices were tracked: the window ran from the recording
        return _entry(event, "recorded", _("The violation was recorded and you were notified; you may appeal "
                                            "until the deadline."), deadline=_instant(data.get("appeal_deadline")))
    return _entry(event, "recorded", _("The violation was recorded. The appeal window starts when its notice "
                                        "reaches you."))


def _notice_delivered(event):
    return _entry(event, "notice_delivered", _("The notice reached you; you may appeal until the deadline."),
                  deadline=_instant(event.data.get("appeal_deadline")))


def _appeal_submitted(event):
    data = event.data
    return _entry(event, "appeal_submitted", _("You appealed; a decision is due by the deadline."),
                  statement=data.get("statement"), files=_files(data.get("files")),
                  deadline=_instant(data.get("decision_due")))


def _appeal_decided(event):
    accepted = bool(event.data.get("accepted"))
    summary = (_("The appeal was accepted and the violation overturned.") if accepted
               else _("The appeal was rejected and the violation upheld."))
    return _entry(event, "appeal_accepted" if accepted else "appeal_rejected", summary,
                  reasons=event.data.get("reasons"))


def _withdrawn(event):
    return _entry(event, "withdrawn", _("The platform withdrew the violation."), reasons=event.data.get("reason"))


def _upheld(event):
    return _entry(event, "upheld", _("The appeal window lapsed without an appeal; the violation stands."))


RENDERERS = {
    "violation.recorded": _recorded,
    "violation.notice_delivered": _notice_delivered,
    "violation.appeal_submitted": _appeal_submitted,
    "violation.appeal_decided": _appeal_decided,
    "violation.withdrawn": _withdrawn,
    "violation.upheld": _upheld,
}


def merchant_timeline(events):
    """The merchant-visible entries of a violation's events, oldest first."""
    return [RENDERERS[e.type](e) for e in events if e.type in RENDERERS]


def decision(violation, appeal):
    """The decision on the violation with its statement of reasons, or None while none was made."""
    if appeal is not None and appeal.decision:
        return {"kind": f"appeal_{appeal.decision}", "decided_at": appeal.decided_at, "reasons": appeal.reasons,
                "decided_by": "platform_reviewer", "decided_by_label": actor_label("platform_reviewer")}
    if violation.state == "withdrawn":
        return {"kind": "withdrawn", "decided_at": violation.closed_at, "reasons": violation.closed_reason,
                "decided_by": "platform_reviewer", "decided_by_label": actor_label("platform_reviewer")}
    if violation.state == "upheld":
        return {"kind": "upheld", "decided_at": violation.closed_at,
                "reasons": _("No appeal was submitted before the deadline."),
                "decided_by": "system", "decided_by_label": actor_label("system")}
    return None
