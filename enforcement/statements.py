"""Statements of reasons (EU DSA Art. 17 and 24(5)) built from the events, in the shape of the DSA
Transparency Database's statement-of-reasons submission: one statement per decision that restricts a
merchant or changes such a restriction (a violation recorded, a penalty imposed or lifted, an appeal decided).

Built only from the event log (never the projections), so re-running an export for a past period gives the
same statements. Merchants are pseudonymised with a keyed HMAC (RISKCASE_PSEUDONYM_KEY, else derived from
SECRET_KEY): the same merchant has the same pseudonym in every export, and only this installation can link
it back. Free text written by reviewers or merchants (evidence, reasons, statements) is not exported, since
it may name the merchant; the facts are stated from the structured judgement.

The JSON Schema of a statement is enforcement/schemas/statement_of_reasons.schema.json.
"""
import csv
import hashlib
import hmac
import io
import json
from datetime import date, datetime, time
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from eventstore.models import Event

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "statement_of_reasons.schema.json"
PLATFORM = "RiskCase"

RECORDED, APPEAL_DECIDED = "violation.recorded", "violation.appeal_decided"
PROPOSED, IMPOSED, LIFTED = "penalty.proposed", "penalty.imposed", "penalty.lifted"
STATEMENT_TYPES = (RECORDED, APPEAL_DECIDED, IMPOSED, LIFTED)

# Our risk points as the Transparency Database's categories.
CATEGORIES = {
    "complaint_rate": "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "negative_review_rate": "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "merchant_refund_rate": "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "service_not_provided": "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "clustered_complaints": "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
    "related_entity": "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
    "public_opinion": "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
    "other": "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
}
RULE_NAMES = {
    "complaint_rate": "complaint rate above the threshold",
    "negative_review_rate": "negative review rate above the threshold",
    "merchant_refund_rate": "merchant-responsibility refund rate above the threshold",
    "service_not_provided": "orders not served as agreed",
    "clustered_complaints": "clustered complaints on one product",
    "related_entity": "related legal entity with a record",
    "public_opinion": "negative public opinion",
    "other": "other breach of the platform rules",
}
# What each penalty restricts, in the database's decision fields.
PENALTY_DECISIONS = {
    "public_warning": {"decision_visibility": ["DECISION_VISIBILITY_OTHER"],
                       "decision_visibility_other": "Public warning label on the store and the public notice"},
    "restricted_promotion": {"decision_monetary": "DECISION_MONETARY_OTHER",
                             "decision_monetary_other": "No creator matching, advertising or campaigns"},
    "throttling": {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_DEMOTED"]},
    "product_ban": {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"]},
    # One product demoted and kept from creators (the product ladder's first step).
    "product_restriction": {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_DEMOTED"]},
    "store_removal": {"decision_account": "DECISION_ACCOUNT_TERMINATED",
                      "decision_provision": "DECISION_PROVISION_TOTAL_TERMINATION"},
}
FIELDS = [  # CSV column order; every key of a statement
    "platform_uid", "platform_name", "statement_kind", "decision_visibility", "decision_visibility_other",
    "decision_monetary", "decision_monetary_other", "decision_provision", "decision_account", "account_type",
    "decision_ground", "incompatible_content_ground", "incompatible_content_explanation",
    "incompatible_content_illegal", "category", "content_type", "content_type_other", "decision_facts",
    "application_date", "end_date_visibility_restriction", "end_date_monetary_restriction",
    "end_date_service_restriction", "end_date_account_restriction", "automated_detection", "automated_decision",
    "source_type", "redress", "merchant_pseudonym", "case_id", "risk_point", "rule_version", "penalty_kind",
    "penalty_step", "outcome", "decided_at",
]


def _key():
    key = settings.RISKCASE_PSEUDONYM_KEY or ("pseudonym:" + settings.SECRET_KEY)
    return key.encode()


def pseudonym(merchant_id):
    """A stable pseudonym of a merchant: HMAC-SHA256 under a key that never leaves the installation."""
    return "mp_" + hmac.new(_key(), str(merchant_id).encode(), hashlib.sha256).hexdigest()[:32]


def _day(moment):
    return timezone.localtime(moment).date().isoformat()


def _automation(actor_kind):
    """(automated_detection, automated_decision) from who acted."""
    if actor_kind == "system":
        return "Yes", "AUTOMATED_DECISION_FULLY"
    if actor_kind == "service":  # another platform system detected it; nobody here reviewed it first
        return "Yes", "AUTOMATED_DECISION_PARTIALLY"
    return "No", "AUTOMATED_DECISION_NOT_AUTOMATED"


def _ground(recorded):
    version = recorded["threshold_version_id"]
    return {
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": f"Platform rule {recorded['risk_point']}"
                                       + (f", threshold version {version}" if version else ""),
        "incompatible_content_explanation": RULE_NAMES.get(recorded["risk_point"], recorded["risk_point"]),
        "incompatible_content_illegal": "No",
        "category": CATEGORIES.get(recorded["risk_point"], "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"),
        "risk_point": recorded["risk_point"],
        "rule_version": version,
    }


def _facts(recorded):
    rule = RULE_NAMES.get(recorded["risk_point"], recorded["risk_point"])
    text = f"{rule} over {recorded['window_start']} to {recorded['window_end']}"
    if recorded.get("value") is not None and recorded.get("threshold") is not None:
        text += f": measured {recorded['value']} against the threshold {recorded['threshold']}"
    if recorded.get("product_id"):
        text += " (on one product)"
    if recorded.get("explanation", {}).get("opened_by_hand"):
        files = len(recorded.get("evidence_files") or [])
        text += f"; opened by hand on evidence ({files} file{'s' if files != 1 else ''})"
    return text + "."


def _content(recorded_or_penalty):
    if recorded_or_penalty.get("product_id"):
        return {"content_type": ["CONTENT_TYPE_PRODUCT"], "content_type_other": None}
    return {"content_type": ["CONTENT_TYPE_OTHER"], "content_type_other": "Merchant store (business account)"}


def _blank():
    return dict.fromkeys(FIELDS)


def _base(event, kind, merchant_id, case_id):
    row = _blank()
    row.update(platform_uid=f"riskcase-{event.pk}", platform_name=PLATFORM, statement_kind=kind,
               account_type="ACCOUNT_TYPE_BUSINESS", application_date=_day(event.occurred_at),
               decided_at=event.occurred_at.isoformat(), source_type="SOURCE_VOLUNTARY",
               merchant_pseudonym=pseudonym(merchant_id), case_id=str(case_id))
    return row


def _violation_statement(event):
    data = event.data
    row = _base(event, "violation_recorded", data["merchant_id"], data["violation_id"])
    detection, decision = _automation(event.metadata.get("actor_kind"))
    row.update(_ground(data), **_content(data))
    row.update(decision_visibility=["DECISION_VISIBILITY_OTHER"],
               decision_visibility_other="Violation recorded on the merchant's record (counts towards penalties)",
               decision_facts=_facts(data), automated_detection=detection, automated_decision=decision,
               redress=f"Appeal to the platform until {data['appeal_deadline']} (internal complaint handling); "
                       "out-of-court dispute settlement; judicial redress.",
               outcome="recorded")
    return row


def _appeal_statement(event, recorded):
    accepted = event.data["accepted"]
    row = _base(event, "appeal_decided", recorded["merchant_id"], recorded["violation_id"])
    row.update(_ground(recorded), **_content(recorded))
    row.update(decision_visibility=["DECISION_VISIBILITY_OTHER"],
               decision_visibility_other=("Violation overturned on appeal; penalties resting on it lifted" if accepted
                                          else "Violation upheld on appeal"),
               decision_facts=_facts(recorded), automated_detection=_automation(recorded["_actor_kind"])[0],
               automated_decision="AUTOMATED_DECISION_NOT_AUTOMATED",
               redress="Out-of-court dispute settlement; judicial redress.",
               outcome="overturned" if accepted else "upheld")
    return row


def _penalty_statement(event, proposed):
    kind = proposed["kind"]
    lifting = event.type == LIFTED
    row = _base(event, "penalty_lifted" if lifting else "penalty_imposed", proposed["merchant_id"],
                proposed["penalty_id"])
    row.update(**_content(proposed))
    row.update(PENALTY_DECISIONS[kind])
    row.update(decision_ground="DECISION_GROUND_INCOMPATIBLE_CONTENT",
               incompatible_content_ground=f"Penalty ladder, policy version {proposed['policy_version_id']}",
               incompatible_content_explanation=f"Step {proposed['step']} of the penalty ladder "
                                                f"({len(proposed['violation_ids'])} violation(s) behind it)",
               incompatible_content_illegal="No", category="STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
               penalty_kind=kind, penalty_step=proposed["step"], rule_version=proposed["policy_version_id"])
    detection = "Yes" if proposed["_actor_kind"] == "system" else "No"
    decision = _automation(event.metadata.get("actor_kind"))[1]
    row.update(automated_detection=detection, automated_decision=decision)
    if lifting:
        cause = event.data["cause"]
        row.update(decision_facts=f"The {kind.replace('_', ' ')} ended early: {cause.replace('_', ' ')}.",
                   outcome=f"lifted:{cause}", redress="None needed: the restriction was lifted.")
        end = _day(event.occurred_at)
    else:
        ends = event.data.get("ends_at")
        row.update(decision_facts=f"{kind.replace('_', ' ').capitalize()} imposed as step {proposed['step']} "
                                  f"for {len(proposed['violation_ids'])} standing violation(s)"
                                  + (f" until {ends}." if ends else ", without an end date."),
                   outcome="imposed",
                   redress="Appeal against the violation(s) behind it (a won appeal lifts it); out-of-court "
                           "dispute settlement; judicial redress.")
        end = _day(datetime.fromisoformat(ends)) if ends else None
    if end:
        for field in ("end_date_visibility_restriction", "end_date_monetary_restriction",
                      "end_date_service_restriction", "end_date_account_restriction"):
            prefix = field.removeprefix("end_date_").removesuffix("_restriction")
            decided = {"visibility": row["decision_visibility"], "monetary": row["decision_monetary"],
                       "service": row["decision_provision"], "account": row["decision_account"]}[prefix]
            if decided:
                row[field] = end
    return row


def _period(since, until):
    """[since 00:00, until 23:59:59.999999] in the platform's time zone (clamped a day inside the calendar's
    ends, so year 1 or 9999 is simply a period without events)."""
    tz = timezone.get_current_timezone()
    return (datetime.combine(max(since, date(1, 1, 2)), time.min, tzinfo=tz),
            datetime.combine(min(until, date(9999, 12, 30)), time.max, tzinfo=tz))


def _openings(streams, type_name):
    """{stream: data of its opening event (with the actor's kind)} in one query."""
    found = {}
    for row in Event.objects.filter(stream__in=list(streams), type=type_name).only("stream", "data", "metadata"):
        found[row.stream] = {**row.data, "_actor_kind": row.metadata.get("actor_kind")}
    return found


def statements(*, since, until, after=0, limit=None):
    """The statements of reasons of decisions taken between the days `since` and `until` (inclusive), in
    event order; `after` is a platform_uid position to continue from. A constant number of queries."""
    start, end = _period(since, until)
    rows = Event.objects.filter(type__in=STATEMENT_TYPES, occurred_at__gte=start, occurred_at__lte=end,
                                pk__gt=after).order_by("pk")
    if limit is not None:
        rows = rows[:limit]
    rows = list(rows)
    violations = _openings({r.stream for r in rows if r.type == APPEAL_DECIDED}, RECORDED)
    penalties = _openings({r.stream for r in rows if r.type in (IMPOSED, LIFTED)}, PROPOSED)
    out = []
    for event in rows:
        if event.type == RECORDED:
            out.append(_violation_statement(event))
        elif event.type == APPEAL_DECIDED:
            out.append(_appeal_statement(event, violations[event.stream]))
        else:
            out.append(_penalty_statement(event, penalties[event.stream]))
    return out


def as_jsonl(rows, out):
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def _cell(value):
    if isinstance(value, list):
        return "|".join(value)
    return "" if value is None else value


def as_csv(rows, out):
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})


def csv_text(rows):
    buffer = io.StringIO()
    as_csv(rows, buffer)
    return buffer.getvalue()


def json_schema():
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
