"""Read queries on cases shared by the admin and the API: queues, merchant tabs, timelines."""
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from eventstore.store import read

from .models import Appeal, Violation, ViolationState, Warning

# The merchant-facing tabs of the seed product (新违规, 待处理, 申诉中, 申诉成功, 申诉失败), and the two
# states it has no tab for, so that no violation falls out of every tab: upheld when the appeal window
# lapsed (已生效) and withdrawn by the platform (已撤销).
NEW_DAYS = 7
MERCHANT_TABS = ("new", "pending", "appealing", "appeal_succeeded", "appeal_failed", "upheld", "withdrawn")


def new_since(now):
    """When the "new" tab starts: a violation opened since then is new."""
    return now - timedelta(days=NEW_DAYS)


def _tab_filter(tab, now):
    if tab == "new":
        return Q(opened_at__gte=new_since(now))
    if tab in MERCHANT_TABS:
        return Q(state=tab)
    raise ValueError(f"unknown tab {tab!r}")


def merchant_violations(*, merchant_id, tab, now=None):
    """One merchant's violations in a tab, newest first, with their appeals (one query)."""
    now = now or timezone.now()
    return (
        Violation.objects.filter(_tab_filter(tab, now), merchant_id=merchant_id)
        .select_related("appeal").order_by("-opened_at")
    )


def tab_counts(now):
    """{tab: Count} of the merchant tabs, to aggregate or annotate a query of violations with."""
    return {tab: Count("pk", filter=_tab_filter(tab, now)) for tab in MERCHANT_TABS}


def merchant_tab_counts(*, merchant_id, now=None):
    """{tab: count} for one merchant, in one query."""
    return Violation.objects.filter(merchant_id=merchant_id).aggregate(**tab_counts(now or timezone.now()))


def warning_queue():
    return Warning.objects.select_related("merchant", "assignee", "threshold_version")


def violation_queue():
    return Violation.objects.select_related("merchant", "assignee", "threshold_version", "appeal")


def appeal_queue():
    return Appeal.objects.select_related("violation", "violation__merchant", "violation__assignee", "decided_by")


def overdue_appeals(now=None):
    """Appeals still undecided after their decision was due (the SLA)."""
    return appeal_queue().filter(
        decision="", decision_due__lt=now or timezone.now(), violation__state=ViolationState.APPEALING
    )


def case_timeline(case):
    """The case's events, oldest first (its whole stream)."""
    return read(case.stream)


def violation_grounds(violation):
    """What the merchant may see of a case's grounds: the statement of facts and the files the reviewer marked
    shareable (never the internal evidence description or the other files)."""
    from .models import ViolationEvidence

    files = ViolationEvidence.objects.filter(violation=violation, shareable=True).order_by("name", "id")
    return {"statement": violation.statement,
            "files": [{"id": str(f.pk), "name": f.name, "size": f.size} for f in files]}


def shared_evidence(violation, file_id):
    """A file of `violation` the merchant may download, or None."""
    import uuid

    from .models import ViolationEvidence

    try:
        file_id = uuid.UUID(str(file_id))
    except ValueError:
        return None
    return ViolationEvidence.objects.filter(violation=violation, pk=file_id, shareable=True).first()
