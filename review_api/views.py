"""The reviewers' API: queues, a case with its events, and every reviewer command through the same
services (which check the same abilities rules as admin, under their lock).

A command is one entry of COMMANDS: its request serializer and a function calling the service. Adding a
service is a few lines there; the view, the Idempotency-Key, the 409 on a stale `expected_version` and the
OpenAPI operation come with it.
"""
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import services as case_services
from cases.abilities import CaseAbilities
from cases.models import RuleParameterVersion, ThresholdVersion, Violation, Warning
from cases.selectors import appeal_queue, case_timeline, violation_queue, warning_queue
from cases.thresholds import rule_parameters_version_add, threshold_version_add
from enforcement import services as penalty_services
from enforcement.abilities import ReviewerAbilities
from enforcement.models import Penalty, PolicyVersion
from enforcement.policy import policy_version_add
from metrics.models import Merchant
from riskcase.api import idempotency
from riskcase.api.exceptions import Conflict
from riskcase.api.schema import ErrorSerializer, error_responses

from . import filters
from . import serializers as s
from .models import IdempotencyKey
from .permissions import AUTHENTICATION, IsReviewer, ReviewerOrScoped, actor_for, is_reviewer

UUID_PATH = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
IDEMPOTENCY = OpenApiParameter(
    idempotency.HEADER, idempotency.SCHEMA, OpenApiParameter.HEADER, required=False,
    description="Any unique string (a UUID): a retry with the same key and request returns the first response "
                "and runs nothing again; the same key with another request is a 422.")
IDEMPOTENCY_REUSED = {422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused for another request")}


def scopes_doc(*scopes):
    roles = "Reviewer token (knox, a staff user in a reviewer group)"
    if scopes:
        roles += " or a service token with scope " + " / ".join(f"`{sc}`" for sc in scopes)
    return f"**Who:** {roles}."


class ReviewView(APIView):
    reviewer_api = True
    authentication_classes = AUTHENTICATION
    permission_classes = [ReviewerOrScoped]
    required_scope = None  # reviewers only unless a view names the service scope it accepts


# --- queues -----------------------------------------------------------------------------------------

class QueueView(generics.ListAPIView):
    reviewer_api = True
    authentication_classes = AUTHENTICATION
    permission_classes = [ReviewerOrScoped]
    required_scope = "cases:read"


def _queue(name, queryset, serializer, filterset, ordering, doc):
    view = type(f"{name.title()}QueueView", (QueueView,), {
        "serializer_class": serializer, "filterset_class": filterset, "ordering": ordering,
        "get_queryset": lambda self: queryset(), "__doc__": doc})
    return extend_schema_view(get=extend_schema(
        operation_id=f"review_{name}_list", tags=["review"], description=f"{doc}\n\n{scopes_doc('cases:read')}",
        responses={200: serializer(many=True), **error_responses(400, 401, 403, 429)}))(view)


WarningQueueView = _queue("warnings", warning_queue, s.ReviewWarningSerializer, filters.WarningFilter,
                          ("-opened_at", "-id"), "The warnings queue, newest first, with admin's filters.")
ViolationQueueView = _queue("violations", violation_queue, s.ReviewViolationSerializer, filters.ViolationFilter,
                            ("-opened_at", "-id"), "The violations queue, newest first, with admin's filters.")
AppealQueueView = _queue("appeals", appeal_queue, s.ReviewAppealSerializer, filters.AppealFilter,
                         ("-submitted_at", "-pk"), "Appeals, newest first, with admin's filters.")
PenaltyQueueView = _queue("penalties", lambda: Penalty.objects.all(), s.ReviewPenaltySerializer, filters.PenaltyFilter,
                          ("-proposed_at", "-id"), "Penalties, newest first, with admin's filters.")


# --- a case and its events ---------------------------------------------------------------------------

def _find_case(case_id):
    case = warning_queue().filter(pk=case_id).first()
    if case is not None:
        return "warning", case
    case = violation_queue().filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return "violation", case


def case_body(request, case_id):
    kind, case = _find_case(case_id)
    serializer = s.ReviewWarningSerializer if kind == "warning" else s.ReviewViolationSerializer
    commands = []
    if is_reviewer(request.user):
        abilities = CaseAbilities(request.user)
        appeal = getattr(case, "appeal", None) if kind == "violation" and hasattr(case, "appeal") else None
        commands = [c.name for c in abilities.commands(case, appeal)]
        if abilities.refusal(case, "assign") is None:
            commands.append("assign")
    events = [{"position": e.position, "version": e.version, "type": e.type, "occurred_at": e.occurred_at,
               "actor": str(e.actor), "data": e.data} for e in case_timeline(case)]
    return {"kind": kind, "case": json.loads(JSONRenderer().render(serializer(case).data)),
            "events": s.ReviewEventSerializer(events, many=True).data, "commands": commands}


class CaseDetailView(ReviewView):
    required_scope = "cases:read"

    @extend_schema(operation_id="review_cases_retrieve", tags=["review"], responses={
        200: s.ReviewCaseSerializer, **error_responses(401, 403, 404, 429)},
        description="A warning or violation with its whole event stream.\n\n" + scopes_doc("cases:read"))
    def get(self, request, case_id):
        return Response(case_body(request, case_id))


# --- commands -----------------------------------------------------------------------------------------

def _run_idempotent(request, *, fingerprint_parts, command):
    key = idempotency.key_from(request)
    fingerprint = idempotency.request_hash(request.path, *fingerprint_parts)
    code, data, replayed = idempotency.run_once(model=IdempotencyKey, owner={"owner": str(actor_for(request))},
                                                key=key, fingerprint=fingerprint, command=command)
    response = Response(data, status=code)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


class OpenCaseView(ReviewView):
    """POST: open a case by hand (负面舆情 public opinion, or other) with evidence."""

    required_scope = "cases:open"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="review_cases_open", tags=["review"],
        request={"multipart/form-data": s.OpenCaseSerializer},
        parameters=[IDEMPOTENCY],
        responses={201: s.ReviewCaseSerializer, **IDEMPOTENCY_REUSED,
                   **error_responses(400, 401, 403, 404, 409, 415, 429)},
        description="Open a violation by hand with evidence. A platform system (e.g. public-opinion monitoring) "
                    "is recorded as the actor `service:<token name>`.\n\n" + scopes_doc("cases:open"))
    def post(self, request):
        body = s.OpenCaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        if not Merchant.objects.filter(pk=data["merchant_id"]).exists():
            raise NotFound(_("No such merchant."))
        files = data.pop("files")
        digests = [(f.name, f.size) for f in files]

        def command():
            violation = case_services.case_open_by_hand(actor=actor_for(request), files=files, **data)
            return status.HTTP_201_CREATED, case_body(request, violation.pk)

        return _run_idempotent(request, fingerprint_parts=[data, digests], command=_json_safe(command))


def _json_safe(command):
    """Store (and answer) the body exactly as a client receives it, so a replay is the same JSON."""
    def run():
        code, body = command()
        return code, json.loads(JSONRenderer().render(body))
    return run


@dataclass(frozen=True)
class CaseCommand:
    """A reviewer command on a case: `call(case_id, actor, user, data)` runs the service."""

    name: str
    kind: str  # "warning", "violation" or "case" (either)
    serializer: type
    call: Callable
    summary: str


@dataclass(frozen=True)
class PenaltyCommand:
    name: str
    serializer: type
    call: Callable
    summary: str


CASE_COMMANDS = [
    CaseCommand("acknowledge", "warning", s.VersionedSerializer,
                lambda pk, actor, user, d: case_services.warning_acknowledge(warning_id=pk, actor=actor, **d),
                "Record that the merchant has seen the warning."),
    CaseCommand("resolve", "warning", s.ReasonSerializer,
                lambda pk, actor, user, d: case_services.warning_resolve(warning_id=pk, actor=actor, **d),
                "Resolve an open warning, with a reason."),
    CaseCommand("dismiss", "warning", s.ReasonSerializer,
                lambda pk, actor, user, d: case_services.warning_dismiss(warning_id=pk, actor=actor, **d),
                "Dismiss a warning raised in error, with a reason."),
    CaseCommand("withdraw", "violation", s.ReasonSerializer,
                lambda pk, actor, user, d: case_services.violation_withdraw(violation_id=pk, actor=actor, **d),
                "Withdraw a violation recorded in error, with a reason the merchant sees."),
    CaseCommand("accept_appeal", "violation", s.AppealDecisionSerializer,
                lambda pk, actor, user, d: case_services.appeal_decide(violation_id=pk, actor=actor, accept=True, **d),
                "Accept the appeal (overturns the violation), with a statement of reasons."),
    CaseCommand("reject_appeal", "violation", s.AppealDecisionSerializer,
                lambda pk, actor, user, d: case_services.appeal_decide(violation_id=pk, actor=actor, accept=False,
                                                                       **d),
                "Reject the appeal (upholds the violation), with a statement of reasons."),
    CaseCommand("assign", "case", s.AssignSerializer,
                lambda pk, actor, user, d: case_services.case_assign(case_id=pk, actor=actor, **d),
                "Assign the case to a reviewer (yourself or a colleague), or unassign it (null)."),
]

PENALTY_COMMANDS = [
    PenaltyCommand("approve", s.VersionedSerializer,
                   lambda pk, actor, user, d: penalty_services.penalty_approve(penalty_id=pk, reviewer=user, **d),
                   "Approve (confirm) a proposed penalty; imposed once enough different reviewers approved."),
    PenaltyCommand("confirm", s.VersionedSerializer,
                   lambda pk, actor, user, d: penalty_services.penalty_confirm(penalty_id=pk, reviewer=user, **d),
                   "Confirm a protective product ban (imposed at once by the severity rule) within its review SLA: "
                   "it then stays until its term ends. Lifting it instead is `lift/`."),
    PenaltyCommand("lift", s.ReasonSerializer,
                   lambda pk, actor, user, d: penalty_services.penalty_lift(penalty_id=pk, actor=actor, **d),
                   "Lift a proposed or active penalty with a reason and an optional internal note (a store removal "
                   "needs two seniors; a product ban in force, or a confirmed protective ban, a senior)."),
]


def _command_view(command, *, find, body, response, resource, class_name):
    """The POST view of one reviewer command on a case or a penalty (the URL's one id): the object must exist,
    the body must validate, then the service runs once per Idempotency-Key and the object is answered."""

    class View(ReviewView):
        permission_classes = [IsReviewer]

        def post(self, request, **kwargs):
            (pk,) = kwargs.values()
            find(pk)
            data = command.serializer(data=request.data)
            data.is_valid(raise_exception=True)

            def run():
                command.call(pk, actor_for(request), request.user, dict(data.validated_data))
                return status.HTTP_200_OK, body(request, pk)

            return _run_idempotent(request, fingerprint_parts=[data.validated_data], command=_json_safe(run))

    View.__name__ = View.__qualname__ = class_name
    View.post = extend_schema(
        operation_id=f"review_{resource}_{command.name}", tags=["review"], request=command.serializer,
        parameters=[IDEMPOTENCY], description=f"{command.summary}\n\n{scopes_doc()}",
        responses={200: response, **IDEMPOTENCY_REUSED, **error_responses(400, 401, 403, 404, 409, 415, 429)},
    )(View.post)
    return View


def _case_command_view(command):
    model = {"warning": Warning, "violation": Violation}.get(command.kind)
    find = (lambda pk: get_object_or_404(model, pk=pk)) if model is not None else _find_case
    return _command_view(command, find=find, body=case_body, response=s.ReviewCaseSerializer, resource="cases",
                         class_name=f"{command.name.title().replace('_', '')}CaseView")


def _penalty_command_view(command):
    return _command_view(command, find=lambda pk: get_object_or_404(Penalty, pk=pk), body=penalty_body,
                         response=PenaltyDetailSerializer, resource="penalties",
                         class_name=f"{command.name.title()}PenaltyView")


class PenaltyDetailSerializer(serializers.Serializer):
    penalty = s.ReviewPenaltySerializer()
    commands = serializers.ListField(child=serializers.CharField())


def penalty_body(request, penalty_id):
    penalty = get_object_or_404(Penalty, pk=penalty_id)
    commands = []
    if is_reviewer(request.user):
        abilities = ReviewerAbilities(request.user)
        commands = [name for name, ok in (("approve", abilities.may_approve(penalty)),
                                          ("confirm", abilities.may_confirm(penalty)),
                                          ("lift", abilities.may_lift(penalty))) if ok]
    return {"penalty": s.ReviewPenaltySerializer(penalty).data, "commands": commands}


class PenaltyDetailView(ReviewView):
    required_scope = "cases:read"

    @extend_schema(operation_id="review_penalties_retrieve", tags=["review"],
                   responses={200: PenaltyDetailSerializer, **error_responses(401, 403, 404, 429)},
                   description="A penalty and the commands the caller may run on it now.\n\n"
                               + scopes_doc("cases:read"))
    def get(self, request, penalty_id):
        return Response(json.loads(JSONRenderer().render(penalty_body(request, penalty_id))))


CASE_COMMAND_VIEWS = {c.name: _case_command_view(c) for c in CASE_COMMANDS}
PENALTY_COMMAND_VIEWS = {c.name: _penalty_command_view(c) for c in PENALTY_COMMANDS}


class ProposePenaltyView(ReviewView):
    """POST: a discretionary penalty on a serious case opened by hand (enforcement.abilities.discretion_refusal)."""

    permission_classes = [IsReviewer]

    @extend_schema(
        operation_id="review_penalties_propose", tags=["review"], request=s.ProposePenaltySerializer,
        parameters=[IDEMPOTENCY],
        responses={201: PenaltyDetailSerializer, **IDEMPOTENCY_REUSED,
                   **error_responses(400, 401, 403, 404, 409, 415, 429)},
        description="Propose a discretionary penalty (any step of the ladder in force) for a standing violation "
                    "opened by hand, with a statement of reasons the merchant sees and an optional internal note. "
                    "The ladder's confirmation rules apply: a product ban needs another reviewer's approval, a "
                    "store removal two seniors; lower steps take effect at once. Reviewers who may open cases and "
                    "approve penalties only.\n\n" + scopes_doc())
    def post(self, request):
        body = s.ProposePenaltySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        get_object_or_404(Violation, pk=data["violation_id"])

        def run():
            penalty = penalty_services.penalty_propose_discretionary(reviewer=request.user, **data)
            return status.HTTP_201_CREATED, penalty_body(request, penalty.pk)

        return _run_idempotent(request, fingerprint_parts=[data], command=_json_safe(run))


# --- reference data: a new version, never an edit ---------------------------------------------------

@dataclass(frozen=True)
class VersionAdd:
    """Adding a version of reference data through its service (which checks the add permission: senior
    reviewers). `same_day(data)` finds a version from the same day (a 409 before the service is asked)."""

    name: str
    serializer: type
    out: type
    same_day: Callable
    conflict: str
    conflict_code: str
    call: Callable
    summary: str
    json_only: bool = False  # nested lists: a form cannot carry them


VERSION_ADDS = [
    VersionAdd("thresholds", s.ThresholdVersionSerializer, s.ThresholdVersionOutSerializer,
               lambda d: ThresholdVersion.objects.filter(category=d["category"], risk_point=d["risk_point"],
                                                         effective_from=d["effective_from"]),
               gettext_lazy("This category and rate already have a version from that day."), "threshold_version_exists",
               lambda actor, d: threshold_version_add(actor=actor, **d),
               "Add a threshold version in force from `effective_from` (one per category, rate and day: "
               "another on the same day is a 409). A version stricter than the one it replaces (a lower limit, "
               "warn_at or min_orders, another window) must apply at least 7 days after today: sooner is a 400 "
               "`stricter_too_soon`."),
    VersionAdd("rule_parameters", s.RuleParametersVersionSerializer, s.RuleParametersVersionOutSerializer,
               lambda d: RuleParameterVersion.objects.filter(category=d["category"], effective_from=d["effective_from"]),
               gettext_lazy("This category already has rule parameters from that day."), "rule_parameters_version_exists",
               lambda actor, d: rule_parameters_version_add(actor=actor, **d),
               "Add a version of one category's count-rule parameters (clustered complaints, orders not served, "
               "related entity, product minimum orders) in force from `effective_from` (one per category and day: "
               "another on the same day is a 409). A stricter version (a lower count, a longer window or look-back) "
               "must apply at least 7 days after today: sooner is a 400 `stricter_too_soon`."),
    VersionAdd("policy", s.PolicyVersionSerializer, s.PolicyVersionOutSerializer,
               lambda d: PolicyVersion.objects.filter(effective_from=d["effective_from"]),
               gettext_lazy("A penalty policy version from that day exists already."), "policy_version_exists",
               lambda actor, d: policy_version_add(actor=actor, **d),
               "Add a version of the penalty ladder (store steps and product steps) in force from "
               "`effective_from` (one per day: another on the same day is a 409). A stricter version (a harsher or "
               "longer rung, a longer window, another severity order) must apply at least 7 days after today: "
               "sooner is a 400 `stricter_too_soon`.", json_only=True),
]


def _version_add_view(add):
    class View(ReviewView):
        permission_classes = [IsReviewer]
        if add.json_only:
            parser_classes = [JSONParser]

        def post(self, request):
            body = add.serializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = dict(body.validated_data)

            def run():
                if add.same_day(data).exists():
                    raise Conflict(str(add.conflict), code=add.conflict_code)
                version = add.call(actor_for(request), data)
                return status.HTTP_201_CREATED, add.out(version).data

            return _run_idempotent(request, fingerprint_parts=[data], command=_json_safe(run))

    View.__name__ = View.__qualname__ = f"{add.name.title().replace('_', '')}VersionView"
    View.__doc__ = f"POST: {add.summary}"
    View.post = extend_schema(
        operation_id=f"review_{add.name}_add", tags=["review"], request=add.serializer, parameters=[IDEMPOTENCY],
        responses={201: add.out, **IDEMPOTENCY_REUSED, **error_responses(400, 401, 403, 409, 415, 429)},
        description=f"{add.summary}\n\nSenior reviewers only (the add permission, checked by the service).\n\n"
                    f"{scopes_doc()}")(View.post)
    return View


VERSION_ADD_VIEWS = {a.name: _version_add_view(a) for a in VERSION_ADDS}
