"""Commands on cases: the only code that changes warnings, violations and appeals.

One function per user intent, keyword-only arguments and plain ids. Each runs in one
transaction: lock the case row, check the expected version, apply the event to the projection
(the transition declared on the model), save, and append the event to the case's stream.
Domain errors (cases.errors) say why a command was refused.
"""
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from eventstore.actors import SYSTEM, Actor
from eventstore.aggregates import Change, commit, commit_batch, ensure_version
from eventstore.store import lock_for_append

from . import abilities, evidence
from . import events as ev
from .aggregates import ViolationCase, WarningCase
from .errors import (
    InvalidCommand,
    InvalidRange,
    NotFound,
    NotPermitted,
    RangeInFuture,
    TransitionNotAllowed,
    ViolationOverlaps,
    WarningAlreadyOpen,
)
from .judgement import Judgement
from .models import (
    OPEN_WARNING_STATES,
    RiskPoint,
    Violation,
    ViolationState,
    Warning,
)

__all__ = [
    "SYSTEM", "Actor", "appeal_decide", "appeal_submit", "case_assign", "case_open_by_hand",
    "violation_notice_delivered", "violation_record", "violation_record_many", "violation_uphold_lapsed",
    "violation_withdraw", "warning_acknowledge", "warning_dismiss", "warning_raise", "warning_raise_many",
    "warning_rectify", "warning_resolve", "warning_resolve_many",
]

HAND_OPENED_RISK_POINTS = (RiskPoint.PUBLIC_OPINION, RiskPoint.OTHER)


def appeal_window():
    return timedelta(days=getattr(settings, "RISKCASE_APPEAL_WINDOW_DAYS", 7))


def appeal_sla():
    return timedelta(days=getattr(settings, "RISKCASE_APPEAL_SLA_DAYS", 3))


# --- plumbing ----------------------------------------------------------------------------------

def _refuse(refusal):
    """Raise the refusal an abilities rule returned (checked under the case's lock), if any."""
    if refusal is not None:
        raise refusal


def _new_correlation():
    return uuid.uuid4().hex


def _reviewer(actor, *perms):
    """The active reviewer behind `actor`, holding every permission in `perms`."""
    if not isinstance(actor, Actor) or not actor.is_reviewer:
        raise NotPermitted(_("Only a reviewer can do this."))
    user = get_user_model().objects.filter(pk=actor.user_id, is_active=True).first()
    if user is None or not all(user.has_perm(p) for p in perms):
        raise NotPermitted()
    return user


def _system_or_reviewer(actor, *perms):
    if isinstance(actor, Actor) and actor.is_system:
        return None
    return _reviewer(actor, *perms)


def _text(value, name):
    value = (value or "").strip()
    if not value:
        raise InvalidCommand(_("A %(name)s is required.") % {"name": name})
    return value


def _lock_warning(warning_id):
    lock_for_append()
    warning = Warning.objects.select_for_update().filter(pk=warning_id).first()
    if warning is None:
        raise InvalidCommand(_("No such warning."))
    return warning


def _lock_violation(violation_id):
    lock_for_append()
    violation = Violation.objects.select_for_update().filter(pk=violation_id).first()
    if violation is None:
        raise InvalidCommand(_("No such violation."))
    return ViolationCase.load(violation)


def _store_files(prefix, files):
    """Write evidence files (already checked against cases.evidence) under MEDIA_ROOT and describe
    them (id, path, name, size, sha256)."""
    files = list(files or ())
    stored = []
    try:
        for upload in files:
            name = os.path.basename(getattr(upload, "name", "") or "evidence")[:255]
            if hasattr(upload, "seek"):
                upload.seek(0)
            content = upload.read()
            if isinstance(content, str):
                content = content.encode("utf-8")
            file_id = uuid.uuid4()
            # Stored (and so served) as the type its bytes are, never under the uploader's extension.
            _type, extension = evidence.stored_type(content[:evidence.HEAD_BYTES])
            path = default_storage.save(f"{prefix}/{file_id}{extension}", ContentFile(content))
            stored.append({
                "id": str(file_id), "path": path, "name": name, "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
            })
    except BaseException:
        _delete_files(stored)
        raise
    return stored


def _delete_files(stored):
    for item in stored:
        default_storage.delete(item["path"])


# --- warnings (预警) ----------------------------------------------------------------------------

def warning_raise(*, merchant_id, risk_point, product_id="", window_start, window_end, value, threshold,
                  threshold_version_id=None, explanation, as_of, actor=SYSTEM, evidence_text="", statement="",
                  files=(), shared_files=()):
    """Open a warning. At most one open (or acknowledged) warning per merchant, risk point and
    product: another raises WarningAlreadyOpen (with `.context["warning_id"]`).

    A reviewer raising one by hand (e.g. public opinion that *may* arise, 有可能产生负面舆情) gives the
    internal `evidence_text`, the merchant-facing `statement` (required then), internal `files` and
    `shared_files` the merchant may download."""
    user = _system_or_reviewer(actor, "cases.open_case")
    if user is not None:
        statement = _text(statement, _("statement of facts for the merchant"))
    files, shared_files = list(files or ()), list(shared_files or ())
    checked = evidence.check(files + shared_files, evidence.case_rule())
    judgement = Judgement.make(
        merchant_id=merchant_id, risk_point=risk_point, product_id=product_id, window_start=window_start,
        window_end=window_end, value=value, threshold=threshold, threshold_version_id=threshold_version_id,
        explanation=explanation, as_of=as_of,
    )
    warning_id = uuid.uuid4()
    stored = _store_files(f"warnings/{warning_id}", checked) if checked else []
    for item in stored[len(files):]:
        item["shareable"] = True
    try:
        [raised] = _raise_many([_Opening(judgement, warning_id, (evidence_text or "").strip(), statement or "", stored)],
                               actor=actor)
    except BaseException:
        _delete_files(stored)
        raise
    if isinstance(raised, WarningAlreadyOpen):
        _delete_files(stored)
        raise raised
    return raised


def warning_raise_many(cases, *, actor=SYSTEM):
    """`warning_raise` of many warnings in one unit of work (the rules' evaluation): `cases` are dicts of
    warning_raise's judgement arguments (merchant_id, risk_point, product_id, window_start, window_end, value,
    threshold, threshold_version_id, explanation, as_of), without evidence. The same rule, applied in order:
    a case whose key already has an open warning (or one raised earlier in the batch) is not raised.
    Returns, in order, each case's Warning or the WarningAlreadyOpen that refused it."""
    if not isinstance(actor, Actor) or not actor.is_system:
        raise NotPermitted()  # reviewers raise one at a time, with a statement and evidence
    raisings = [_Opening(Judgement.make(**case), uuid.uuid4()) for case in cases]
    return _raise_many(raisings, actor=actor) if raisings else []


@dataclass(frozen=True)
class _Opening:
    """One case to open (a warning raised, a violation recorded): its judgement, its id and its evidence
    (already stored)."""

    judgement: Judgement
    case_id: uuid.UUID
    evidence_text: str = ""
    statement: str = ""
    evidence_files: list = field(default_factory=list)


def _raise_many(raisings, *, actor):
    """Raise the warnings in one transaction; [Warning or WarningAlreadyOpen] in order. A unique-key conflict
    with a concurrent writer (the open-warning constraint) retries the batch one warning at a time."""
    try:
        with transaction.atomic():
            lock_for_append()
            open_now = {key: pks[0] for key, pks in _open_warnings([r.judgement for r in raisings]).items()}
            changes, results = [], []
            for raising in raisings:
                key = _key(raising.judgement)
                if key in open_now:
                    results.append(WarningAlreadyOpen(warning_id=open_now[key]))
                    continue
                case = WarningCase()
                changes.append(Change(case, ev.WarningRaised(
                    warning_id=raising.case_id, judgement=raising.judgement, evidence_text=raising.evidence_text,
                    statement=raising.statement, evidence_files=raising.evidence_files,
                ), actor=actor, expected_version=0, correlation_id=_new_correlation()))
                open_now[key] = raising.case_id
                results.append(case)
            commit_batch(changes)
    except IntegrityError:  # a concurrent raise for the same key won
        if len(raisings) == 1:
            return [WarningAlreadyOpen()]
        return [result for raising in raisings for result in _raise_many([raising], actor=actor)]
    return [r.root if isinstance(r, WarningCase) else r for r in results]


def _key(judgement):
    return judgement.merchant_id, judgement.risk_point, judgement.product_id


def _candidates(model, judgements, **filters):
    """`model` rows that may share a key with one of the judgements: one query per 1,000 merchants (a
    superset; the caller matches the keys)."""
    merchants = sorted({j.merchant_id for j in judgements})
    risk_points = sorted({j.risk_point for j in judgements})
    products = sorted({j.product_id for j in judgements})
    for i in range(0, len(merchants), 1000):
        yield model.objects.filter(merchant_id__in=merchants[i:i + 1000], risk_point__in=risk_points,
                                   product_id__in=products, **filters)


def _open_warnings(judgements, *, lock=False):
    """{key: [open (or acknowledged) warning, or its pk when not locking]} of the judgements' keys."""
    keys = {_key(j) for j in judgements}
    found = {}
    for rows in _candidates(Warning, judgements, state__in=OPEN_WARNING_STATES):
        for warning in (rows.select_for_update() if lock else rows.values_list("pk", "merchant_id", "risk_point",
                                                                                   "product_id", named=True)):
            key = (warning.merchant_id, warning.risk_point, warning.product_id)
            if key in keys:
                found.setdefault(key, []).append(warning if lock else warning.pk)
    return found


def warning_acknowledge(*, warning_id, actor, expected_version=None):
    """The merchant saw the warning (or a reviewer records that they did)."""
    with transaction.atomic():
        warning = _lock_warning(warning_id)
        if actor.is_merchant:
            if actor.id != warning.merchant_id:
                raise NotPermitted()
        else:
            _reviewer(actor, "cases.view_warning")
        commit(WarningCase(warning), ev.WarningAcknowledged(), actor=actor, expected_version=expected_version,
                correlation_id=_new_correlation())
    return warning


def warning_rectify(*, warning_id, actor, note, files=(), expected_version=None):
    """The merchant answers an open (or acknowledged) warning with a rectification note (整改说明) and up to
    5 files (the appeal's file rule); once per warning. Reviewers see it on the case page."""
    note = _text(note, _("rectification note"))
    if not isinstance(actor, Actor) or not actor.is_merchant:
        raise NotPermitted(_("Only the merchant answers its warning."))
    files = evidence.check(files, evidence.APPEAL)
    stored = []
    try:
        with transaction.atomic():
            warning = _lock_warning(warning_id)
            if actor.id != warning.merchant_id:
                raise NotPermitted(_("Only the merchant answers its warning."))
            ensure_version(warning.version, expected_version)
            if warning.state not in OPEN_WARNING_STATES or warning.rectified_at is not None:
                raise TransitionNotAllowed()
            stored = _store_files(f"warnings/{warning.pk}", files)
            for item in stored:
                item["from_merchant"] = True
            commit(WarningCase(warning), ev.WarningRectified(note=note, files=stored), actor=actor,
                   correlation_id=_new_correlation())
    except BaseException:
        _delete_files(stored)
        raise
    return warning


def warning_resolve(*, warning_id, actor=SYSTEM, reason, internal_note="", expected_version=None):
    """Close a warning: a later evaluation found the rate back under warn_at, or a reviewer did."""
    reason = _text(reason, _("reason"))
    user = _system_or_reviewer(actor)
    with transaction.atomic():
        warning = _lock_warning(warning_id)
        ensure_version(warning.version, expected_version)
        if user is not None:
            _refuse(abilities.resolve_refusal(warning, user))
        commit(WarningCase(warning), ev.WarningResolved(reason=reason, internal_note=internal_note), actor=actor,
                expected_version=expected_version, correlation_id=_new_correlation())
    return warning


def warning_resolve_many(resolutions, *, actor=SYSTEM):
    """`warning_resolve` by the system of many warnings in one unit of work (the rules' evaluation):
    `resolutions` are (warning_id, reason) pairs. Returns the Warnings, in order."""
    if not isinstance(actor, Actor) or not actor.is_system:
        raise NotPermitted()  # reviewers resolve one at a time (abilities.resolve_refusal)
    resolutions = [(uuid.UUID(str(warning_id)), _text(reason, _("reason"))) for warning_id, reason in resolutions]
    if not resolutions:
        return []
    with transaction.atomic():
        lock_for_append()
        warnings = Warning.objects.select_for_update().in_bulk([warning_id for warning_id, _reason in resolutions])
        if len(warnings) != len({warning_id for warning_id, _reason in resolutions}):
            raise InvalidCommand(_("No such warning."))
        commit_batch([Change(WarningCase(warnings[warning_id]), ev.WarningResolved(reason=reason, internal_note=""),
                             actor=actor, correlation_id=_new_correlation()) for warning_id, reason in resolutions])
    return [warnings[warning_id] for warning_id, _reason in resolutions]


def warning_dismiss(*, warning_id, actor, reason, internal_note="", expected_version=None):
    """A reviewer dismisses a warning raised in error, with a reason."""
    reason = _text(reason, _("reason"))
    user = _reviewer(actor)
    with transaction.atomic():
        warning = _lock_warning(warning_id)
        ensure_version(warning.version, expected_version)
        _refuse(abilities.dismiss_refusal(warning, user))
        commit(WarningCase(warning), ev.WarningDismissed(reason=reason, internal_note=internal_note), actor=actor,
                expected_version=expected_version, correlation_id=_new_correlation())
    return warning


# --- violations (违规) --------------------------------------------------------------------------

def violation_record(*, merchant_id, risk_point, product_id="", window_start, window_end, value, threshold,
                     threshold_version_id=None, explanation, as_of, actor=SYSTEM, evidence=None,
                     correlation_id=None):
    """Record a violation. Its appeal window opens when its notice reaches the merchant
    (violation_notice_delivered), never before.

    The open or acknowledged warning of the same merchant, risk point and product is escalated
    in the same transaction. `correlation_id` ties the violations one evaluation records (the penalty
    ladder orders those by severity). For the system, a window overlapping the last violation of the same
    key raises ViolationOverlaps. `evidence` is {"text": ..., "files": [File, ...]} or None.
    """
    if not actor.is_system:
        _reviewer(actor, "cases.open_case")
    judgement = Judgement.make(
        merchant_id=merchant_id, risk_point=risk_point, product_id=product_id, window_start=window_start,
        window_end=window_end, value=value, threshold=threshold, threshold_version_id=threshold_version_id,
        explanation=explanation, as_of=as_of,
    )
    evidence = evidence or {}
    return _record(judgement, actor=actor, evidence_text=(evidence.get("text") or "").strip(),
                   files=evidence.get("files") or (), check_overlap=actor.is_system, correlation_id=correlation_id)


def violation_record_many(cases, *, actor=SYSTEM, correlation_id=None):
    """`violation_record` of many violations in one unit of work (the rules' evaluation): `cases` are dicts of
    violation_record's judgement arguments, without evidence. The same rules, applied in order as if recorded
    one after another: the system's window must not overlap the last violation of the key (earlier ones in
    the batch included), and the open warning of the key is escalated by the first violation of its key.
    One correlation id for all (`correlation_id`, or a new one). Returns, in order, each case's Violation or
    the ViolationOverlaps that refused it."""
    if not actor.is_system:
        _reviewer(actor, "cases.open_case")
    recordings = [_Opening(Judgement.make(**case), uuid.uuid4()) for case in cases]
    if not recordings:
        return []
    with transaction.atomic():
        return _record_many(recordings, actor=actor, check_overlap=actor.is_system,
                            correlation_id=correlation_id or _new_correlation())


def _record(judgement, *, actor, evidence_text, files, check_overlap, shared_files=(), statement="",
            correlation_id=None):
    files = list(files or ())
    shared_files = list(shared_files or ())
    checked = evidence.check(files + shared_files, evidence.case_rule())
    violation_id = uuid.uuid4()
    stored = _store_files(f"cases/{violation_id}", checked)
    for item in stored[len(files):]:
        item["shareable"] = True
    try:
        with transaction.atomic():
            [recorded] = _record_many([_Opening(judgement, violation_id, evidence_text, statement, stored)],
                                      actor=actor, check_overlap=check_overlap, correlation_id=correlation_id)
            if isinstance(recorded, ViolationOverlaps):
                raise recorded
    except BaseException:
        _delete_files(stored)
        raise
    return recorded


def _record_many(recordings, *, actor, check_overlap, correlation_id):
    """Record the violations in the caller's transaction; [Violation or ViolationOverlaps] in order."""
    lock_for_append()
    judgements = [r.judgement for r in recordings]
    open_warnings = {key: warnings[0] for key, warnings in _open_warnings(judgements, lock=True).items()}
    last_ends = {}
    if check_overlap:
        for rows in _candidates(Violation, judgements):
            for merchant_id, risk_point, product_id, last in (
                rows.values_list("merchant_id", "risk_point", "product_id").annotate(last=Max("window_end"))
                .values_list("merchant_id", "risk_point", "product_id", "last")
            ):
                last_ends[(merchant_id, risk_point, product_id)] = last
    now = timezone.now()
    changes, results = [], []
    for recording in recordings:
        judgement, key = recording.judgement, _key(recording.judgement)
        last = last_ends.get(key)
        if check_overlap and last is not None and last >= judgement.window_start:
            results.append(ViolationOverlaps(last_window_end=last))
            continue
        last_ends[key] = judgement.window_end if last is None else max(last, judgement.window_end)
        correlation = correlation_id or _new_correlation()
        warning = open_warnings.pop(key, None)
        case = ViolationCase()
        recorded = Change(case, ev.ViolationRecorded(
            violation_id=recording.case_id, judgement=judgement,
            warning_id=None if warning is None else warning.pk, evidence_text=recording.evidence_text,
            evidence_files=recording.evidence_files, statement=recording.statement,
        ), actor=actor, expected_version=0, correlation_id=correlation, occurred_at=now)
        changes.append(recorded)
        if warning is not None:
            changes.append(Change(WarningCase(warning), ev.WarningEscalated(violation_id=recording.case_id),
                                  actor=actor, correlation_id=correlation, causation_id=recorded, occurred_at=now))
        results.append(case)
    commit_batch(changes)
    return [r.root if isinstance(r, ViolationCase) else r for r in results]


def case_open_by_hand(*, merchant_id, risk_point, actor, evidence_text, files=(), product_id="",
                      window_start=None, window_end=None, as_of=None, explanation=None, statement="",
                      shared_files=()):
    """A reviewer opens a violation by hand (negative public opinion 负面舆情, or other), with evidence: the
    internal description (`evidence_text`), the merchant-facing statement of the facts (`statement`, shown to
    the merchant with the notice, on the pages and in the API), internal `files`, and `shared_files` the
    merchant may download."""
    from metrics.models import Merchant, Order

    if not (isinstance(actor, Actor) and actor.is_service):
        _reviewer(actor, "cases.open_case")
    if risk_point not in HAND_OPENED_RISK_POINTS:
        raise InvalidCommand(_("Only public opinion and other cases are opened by hand."))
    evidence_text = _text(evidence_text, _("description of the evidence"))
    if not Merchant.objects.filter(pk=merchant_id).exists():
        raise InvalidCommand(_("No such merchant."))
    today = timezone.localdate()
    window_start = window_start or window_end or today
    window_end = window_end or window_start
    if window_end > today:
        raise RangeInFuture(field="window_end")
    if window_start > window_end:
        raise InvalidRange(field="window_start")
    if product_id and not Order.objects.filter(merchant_id=merchant_id, product_id=product_id).exists():
        raise NotFound(_("This merchant has no product with that id (no order of it)."), field="product_id")
    judgement = Judgement.make(
        merchant_id=merchant_id, risk_point=risk_point, product_id=product_id, window_start=window_start,
        window_end=window_end, value=None, threshold=None, threshold_version_id=None,
        explanation={"v": 1, "rule": risk_point, "kind": "violation", "opened_by_hand": True,
                     "window_start": window_start.isoformat(), "window_end": window_end.isoformat(),
                     **(explanation or {})},
        as_of=as_of or today,
    )
    return _record(judgement, actor=actor, evidence_text=evidence_text, files=files, check_overlap=False,
                   shared_files=shared_files, statement=(statement or "").strip())


def violation_withdraw(*, violation_id, actor, reason, internal_note="", expected_version=None):
    """A reviewer withdraws a violation recorded in error, with a reason the merchant will see."""
    reason = _text(reason, _("reason"))
    user = _reviewer(actor)
    with transaction.atomic():
        case = _lock_violation(violation_id)
        ensure_version(case.root.version, expected_version)
        _refuse(abilities.withdrawal_refusal(case.root, case.appeal, user))
        commit(case, ev.ViolationWithdrawn(reason=reason, internal_note=internal_note), actor=actor,
               expected_version=expected_version,
                correlation_id=_new_correlation())
    return case.root


def violation_notice_delivered(*, violation_id, at, channel):
    """The violation's notice reached the merchant at `at` through `channel` (e-mail, sms, push, webhook,
    inbox): the appeal window starts, closing `RISKCASE_APPEAL_WINDOW_DAYS` later. Only the first delivery
    counts; a later one changes nothing. Returns the violation."""
    channel = _text(channel, _("channel"))
    with transaction.atomic():
        case = _lock_violation(violation_id)
        if case.root.notified_at is None:
            commit(case, ev.ViolationNoticeDelivered(delivered_at=at, appeal_deadline=at + appeal_window(),
                                                     channel=channel),
                   actor=SYSTEM, correlation_id=_new_correlation())
    return case.root


def violation_uphold_lapsed(*, now=None):
    """Uphold every pending violation whose appeal window has lapsed; return their ids. A violation whose
    notice never reached the merchant has no window that could lapse: it is never upheld automatically.

    Idempotent and safe to run on several workers: each violation is claimed with
    select_for_update(skip_locked=True) and re-checked under the lock.
    """
    now = now or timezone.now()
    upheld = []
    candidates = Violation.objects.filter(state=ViolationState.PENDING, notified_at__isnull=False,
                                          appeal_deadline__lt=now)
    for violation_id in candidates.values_list("pk", flat=True).order_by("appeal_deadline"):
        with transaction.atomic():
            lock_for_append()
            violation = (
                Violation.objects.select_for_update(skip_locked=True)
                .filter(pk=violation_id, state=ViolationState.PENDING, notified_at__isnull=False,
                        appeal_deadline__lt=now)
                .first()
            )
            if violation is None:
                continue
            commit(ViolationCase.load(violation), ev.ViolationUpheld(), actor=SYSTEM,
                    correlation_id=_new_correlation())
            upheld.append(violation.pk)
    return upheld


# --- assignment -------------------------------------------------------------------------------

def case_assign(*, case_id, assignee_id, actor, expected_version=None):
    """Assign a warning or violation to a reviewer (oneself or a colleague), or unassign (None)."""
    user = _reviewer(actor)
    if assignee_id is not None:
        assignee = get_user_model().objects.filter(pk=assignee_id, is_active=True, is_staff=True).first()
        if assignee is None:
            raise InvalidCommand(_("Cases are assigned to active staff users only."))
        assignee_id = assignee.pk
    with transaction.atomic():
        lock_for_append()
        warning = Warning.objects.select_for_update().filter(pk=case_id).first()
        if warning is not None:
            case, event = WarningCase(warning), ev.WarningAssigned(assignee_id=assignee_id)
        else:
            case, event = _lock_violation(case_id), ev.ViolationAssigned(assignee_id=assignee_id)
        ensure_version(case.root.version, expected_version)
        _refuse(abilities.assign_refusal(case.root, user))
        if case.root.assignee_id != assignee_id:
            commit(case, event, actor=actor, expected_version=expected_version, correlation_id=_new_correlation())
    return case.root


# --- appeals (申诉) -----------------------------------------------------------------------------

def appeal_submit(*, violation_id, actor, statement, files=(), expected_version=None):
    """The merchant appeals a pending violation within its window: one appeal per violation."""
    statement = _text(statement, _("statement"))
    if not isinstance(actor, Actor) or not actor.is_merchant:
        raise NotPermitted(_("Only the merchant appeals its violation."))
    # The same rule for every entry point (API, web pages, admin), before any lock, file or event.
    files = evidence.check(files, evidence.APPEAL)
    stored = []
    try:
        with transaction.atomic():
            case = _lock_violation(violation_id)
            violation = case.root
            if actor.id != violation.merchant_id:
                raise NotPermitted(_("Only the merchant appeals its violation."))
            ensure_version(violation.version, expected_version)
            now = timezone.now()
            abilities.ensure_can_appeal(violation, appeal=case.appeal, now=now)
            stored = _store_files(f"appeals/{violation.pk}", files)
            commit(case, ev.AppealSubmitted(statement=statement, decision_due=now + appeal_sla(), files=stored),
                    actor=actor, correlation_id=_new_correlation(), occurred_at=now)
    except BaseException:
        _delete_files(stored)
        raise
    return case.appeal


def appeal_decide(*, violation_id, actor, accept, reasons, internal_note="", expected_version=None):
    """A reviewer accepts (overturns the violation) or rejects (upholds it) the appeal, with
    reasons the merchant will see. The reviewer who recorded the violation cannot decide."""
    reasons = _text(reasons, _("statement of reasons"))
    user = _reviewer(actor)
    with transaction.atomic():
        case = _lock_violation(violation_id)
        ensure_version(case.root.version, expected_version)
        _refuse(abilities.appeal_decision_refusal(case.root, case.appeal, user))
        commit(case, ev.AppealDecided(accepted=bool(accept), reasons=reasons, internal_note=internal_note), actor=actor,
                expected_version=expected_version, correlation_id=_new_correlation())
    return case.appeal
