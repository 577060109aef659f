"""The reviewers' admin: queues, a case page with buttons that call the services. Thin by design."""
import json
import os

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eventstore.actors import Actor
from eventstore.reference import InvalidReferenceData
from riskcase.lib.admin import ReadOnlyAdmin
from riskcase.lib.charts import percent
from riskcase.lib.forms import MultipleFileField

from . import evidence, services
from .abilities import VIOLATION_COMMANDS, WARNING_COMMANDS, CaseAbilities
from .charts import rate_chart
from .errors import ConcurrencyError, DomainError, NotPermitted
from .impact import is_only_a_preview, preview_error, preview_fingerprint
from .models import (
    RATE_RISK_POINTS,
    Appeal,
    AppealEvidence,
    RuleParameterVersion,
    ThresholdVersion,
    Violation,
    ViolationEvidence,
    ViolationState,
    Warning,
    WarningEvidence,
)
from .selectors import case_timeline
from .thresholds import rule_parameters_version_add, threshold_version_add

# --- filters ------------------------------------------------------------------------------------

class CategoryFilter(admin.SimpleListFilter):
    title = gettext_lazy("category")
    parameter_name = "category"
    merchant_path = "merchant"

    def lookups(self, request, model_admin):
        return [(c, c) for c in settings.RISKCASE_CATEGORIES]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.merchant_path}__category": self.value()})
        return queryset


class MerchantFilter(admin.SimpleListFilter):
    """The merchants that have cases in this queue (search covers the rest)."""

    title = gettext_lazy("merchant")
    parameter_name = "merchant"
    merchant_field = "merchant_id"
    max_choices = 100

    def lookups(self, request, model_admin):
        ids = (model_admin.get_queryset(request).order_by(self.merchant_field)
               .values_list(self.merchant_field, flat=True).distinct()[: self.max_choices])
        return [(m, m) for m in ids]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.merchant_field: self.value()})
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = gettext_lazy("assignee")
    parameter_name = "assignee"
    assignee_field = "assignee"

    def lookups(self, request, model_admin):
        staff = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        return [("me", _("Assigned to me")), ("none", _("Unassigned"))] + [(str(u.pk), u.get_username()) for u in staff]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(**{f"{self.assignee_field}_id": request.user.pk})
        if value == "none":
            return queryset.filter(**{f"{self.assignee_field}__isnull": True})
        if value:
            if not value.isdigit():
                raise BadRequest(_("Unknown assignee."))  # a 400, not a failed query
            return queryset.filter(**{f"{self.assignee_field}_id": value})
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    """Appeals whose decision is past due (the SLA)."""

    title = gettext_lazy("overdue")
    parameter_name = "overdue"
    appeal_path = "appeal__"
    state_path = "state"

    def lookups(self, request, model_admin):
        return [("yes", _("Decision overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(**{
                f"{self.appeal_path}decision": "", f"{self.appeal_path}decision_due__lt": timezone.now(),
                self.state_path: ViolationState.APPEALING,
            })
        return queryset


class NoticeFilter(admin.SimpleListFilter):
    """The "undelivered notices" queue: pending violations whose notice never reached the merchant. Their
    appeal window has not started, so they are never upheld automatically: a reviewer follows them up."""

    title = gettext_lazy("notice")
    parameter_name = "notice"

    def lookups(self, request, model_admin):
        return [("undelivered", _("Undelivered notices")), ("delivered", _("Notice delivered"))]

    def queryset(self, request, queryset):
        if self.value() == "undelivered":
            return queryset.filter(notified_at__isnull=True, state=ViolationState.PENDING)
        if self.value() == "delivered":
            return queryset.filter(notified_at__isnull=False)
        return queryset


class AppealCategoryFilter(CategoryFilter):
    merchant_path = "violation__merchant"


class AppealMerchantFilter(MerchantFilter):
    merchant_field = "violation__merchant_id"


class AppealAssigneeFilter(AssigneeFilter):
    assignee_field = "violation__assignee"


class AppealOverdueFilter(OverdueFilter):
    appeal_path = ""
    state_path = "violation__state"


# --- read-only base ---------------------------------------------------------------------------

def _overdue_badge(appeal, now=None):
    if appeal is not None and appeal.is_overdue(now) and appeal.violation.state == ViolationState.APPEALING:
        return format_html('<strong style="color:#fff;background:#c0392b;padding:1px 5px">{}</strong>', _("Overdue"))
    return ""


@admin.action(description=gettext_lazy("Assign to me"))
def assign_to_me(modeladmin, request, queryset):
    done = 0
    for case in queryset:
        try:
            services.case_assign(case_id=case.pk, assignee_id=request.user.pk, actor=Actor.reviewer(request.user))
            done += 1
        except DomainError as exc:
            messages.error(request, f"{case}: {exc}")
    if done:
        messages.success(request, _("%(count)d case(s) assigned to you.") % {"count": done})


class CaseAdmin(ReadOnlyAdmin):
    """The queue and case page of warnings and violations."""

    change_form_template = "admin/cases/case_change_form.html"
    list_select_related = ("merchant", "assignee")
    search_fields = ("merchant__merchant_id", "merchant__name", "product_id")
    date_hierarchy = "opened_at"
    actions = [assign_to_me]
    list_per_page = 50

    def run_command(self, request, case, name, reason, expected_version, actor, internal_note=""):
        """Call the service behind the button `name`: `reason` is the statement the merchant reads,
        `internal_note` the note for reviewers and auditors."""
        raise NotImplementedError

    @admin.display(description=gettext_lazy("merchant"), ordering="merchant__name")
    def merchant_name(self, obj):
        if not obj.merchant:
            return obj.merchant_id
        return format_html("{}<br><small>{}</small>", obj.merchant.name, obj.merchant_id)

    @admin.display(description=gettext_lazy("measured / threshold"))
    def measured(self, obj):
        """Rates as percentages, counts as whole numbers: one short column instead of two raw decimals."""
        if obj.value is None:
            return "–"
        if obj.risk_point in RATE_RISK_POINTS:
            return f"{percent(obj.value)} / {percent(obj.threshold)}"
        return f"{obj.value.normalize():f} / {'–' if obj.threshold is None else f'{obj.threshold.normalize():f}'}"

    @admin.display(description=gettext_lazy("category"), ordering="merchant__category")
    def category(self, obj):
        return obj.merchant.category if obj.merchant else ""

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("cases.assign_case"):
            actions.pop("assign_to_me", None)
        return actions

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path("<path:object_id>/act/", self.admin_site.admin_view(self.act_view), name="{}_{}_act".format(*info)),
            path("<path:object_id>/evidence/<uuid:file_id>/", self.admin_site.admin_view(self.evidence_view),
                 name="{}_{}_evidence".format(*info)),
        ] + super().get_urls()

    def commands(self, request, obj):
        """The commands (not FSM transitions) this reviewer may run now: cases.abilities decides, as it
        does for the services."""
        return CaseAbilities(request.user).commands(obj, getattr(obj, "appeal", None))

    def can_assign(self, request, obj):
        return CaseAbilities(request.user).refusal(obj, "assign") is None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = {}
        if obj is not None:
            staff = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
            extra = {
                "case": obj,
                "explanation_json": json.dumps(obj.explanation, indent=2, ensure_ascii=False, sort_keys=True),
                "chart": rate_chart(obj),
                "timeline": [
                    {"event": e, "data": json.dumps(e.data, indent=1, ensure_ascii=False, sort_keys=True)}
                    for e in case_timeline(obj)
                ],
                "commands": self.commands(request, obj),
                "can_assign": self.can_assign(request, obj),
                "colleagues": staff,
                "act_url": reverse(f"admin:cases_{self.model._meta.model_name}_act", args=[obj.pk]),
                "evidence_url_name": f"admin:cases_{self.model._meta.model_name}_evidence",
            }
            extra.update(self.extra_case_context(request, obj))
        extra.update(extra_context or {})
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def extra_case_context(self, request, obj):
        return {}

    def act_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_permission(request, obj):
            raise PermissionDenied
        change_url = reverse(f"admin:cases_{self.model._meta.model_name}_change", args=[obj.pk])
        name = request.POST.get("transition", "")
        reason = request.POST.get("reason", "")
        note = request.POST.get("internal_note", "")
        expected = request.POST.get("expected_version", "")
        expected = int(expected) if expected.isdigit() else None
        actor = Actor.reviewer(request.user)
        menu = {c.name for c in (WARNING_COMMANDS if obj.stream_prefix == "warning" else VIOLATION_COMMANDS)}
        if name not in menu | {"assign"}:
            raise PermissionDenied
        refusal = CaseAbilities(request.user).refusal(obj, name, getattr(obj, "appeal", None))
        if type(refusal) is NotPermitted:  # no permission for this command at all (a forged POST)
            raise PermissionDenied
        try:
            if name == "assign":
                assignee = request.POST.get("assignee") or None
                services.case_assign(case_id=obj.pk, assignee_id=assignee, actor=actor, expected_version=expected)
                messages.success(request, _("Assignment saved."))
            else:
                # The service checks the same abilities rule, the state and the version under its lock;
                # a button from a stale page ends in a message, not a lost update.
                self.run_command(request, obj, name, reason, expected, actor, note)
                messages.success(request, _("Done."))
        except ConcurrencyError:
            messages.error(request, _("Someone else changed this case while you were looking at it. "
                                      "Nothing was saved: review the case as it is now and try again."))
        except DomainError as exc:
            messages.error(request, str(exc))
        return HttpResponseRedirect(change_url)

    def evidence_view(self, request, object_id, file_id):
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_permission(request, obj):
            raise PermissionDenied
        stored = self.find_evidence(obj, file_id)
        if stored is None:
            raise Http404
        return evidence_response(stored)

    def find_evidence(self, obj, file_id):
        return None


def evidence_response(stored):
    """Download a stored evidence file as the type its bytes are (PDF, JPEG or PNG) under that type's
    extension, never as the uploader named it: a PNG header before HTML named evil.html is served as an
    image/png attachment "evil.png", sandboxed, and the browser may not sniff it into a page."""
    with stored.file.open("rb") as f:
        content_type, extension = evidence.stored_type(f.read(evidence.HEAD_BYTES))
    stem = os.path.splitext(os.path.basename(stored.name))[0] or "evidence"
    response = FileResponse(stored.file.open("rb"), as_attachment=True, filename=stem + extension,
                            content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@admin.register(Warning)
class WarningAdmin(CaseAdmin):
    # Few, short columns, so state and assignee stay in view at 1366 px beside the filters.
    list_display = ("opened_at", "merchant_name", "risk_point", "product_id", "measured", "window_end", "state",
                    "assignee")
    list_filter = ("state", "risk_point", CategoryFilter, MerchantFilter, AssigneeFilter)

    def find_evidence(self, obj, file_id):
        return WarningEvidence.objects.filter(warning=obj, pk=file_id).first()

    def run_command(self, request, case, name, reason, expected_version, actor, internal_note=""):
        call = {"resolve": services.warning_resolve, "dismiss": services.warning_dismiss}[name]
        call(warning_id=case.pk, actor=actor, reason=reason, internal_note=internal_note,
             expected_version=expected_version)



class OpenCaseForm(forms.Form):
    """A violation a reviewer opens by hand: negative public opinion (负面舆情) or other."""

    merchant_id = forms.CharField(label=gettext_lazy("merchant id"), max_length=64)
    risk_point = forms.ChoiceField(label=gettext_lazy("risk point"), choices=[
        (p.value, p.label) for p in services.HAND_OPENED_RISK_POINTS])
    product_id = forms.CharField(label=gettext_lazy("product id"), max_length=64, required=False)
    window_start = forms.DateField(label=gettext_lazy("from"), required=False)
    window_end = forms.DateField(label=gettext_lazy("to"), required=False)
    evidence_text = forms.CharField(label=gettext_lazy("evidence (internal)"), widget=forms.Textarea(attrs={"rows": 6}))
    statement = forms.CharField(label=gettext_lazy("statement of facts for the merchant"), required=False,
                                widget=forms.Textarea(attrs={"rows": 6}),
                                help_text=gettext_lazy("The merchant reads this with the notice and before appealing."))
    files = MultipleFileField(label=gettext_lazy("evidence files (internal)"), required=False)
    shared_files = MultipleFileField(label=gettext_lazy("evidence files the merchant may download"), required=False)


@admin.register(Violation)
class ViolationAdmin(CaseAdmin):
    list_display = ("opened_at", "merchant_name", "risk_point", "product_id", "measured", "state",
                    "notified_at", "appeal_deadline", "appeal_due", "assignee")
    list_select_related = ("merchant", "assignee", "appeal")
    list_filter = ("state", "risk_point", NoticeFilter, CategoryFilter, MerchantFilter, AssigneeFilter, OverdueFilter,
                   "recorded_by_kind")

    @admin.display(description=gettext_lazy("appeal decision due"))
    def appeal_due(self, obj):
        appeal = getattr(obj, "appeal", None)
        if appeal is None:
            return ""
        appeal.violation = obj  # already loaded: no query
        return format_html("{} {}", appeal.decision_due.strftime("%Y-%m-%d %H:%M"), _overdue_badge(appeal))

    def run_command(self, request, case, name, reason, expected_version, actor, internal_note=""):
        if name in ("accept_appeal", "reject_appeal"):
            services.appeal_decide(violation_id=case.pk, actor=actor, accept=name == "accept_appeal",
                                   reasons=reason, internal_note=internal_note, expected_version=expected_version)
        elif name == "withdraw":
            services.violation_withdraw(violation_id=case.pk, actor=actor, reason=reason,
                                        internal_note=internal_note, expected_version=expected_version)
        else:
            raise PermissionDenied

    def extra_case_context(self, request, obj):
        appeal = Appeal.objects.filter(pk=obj.pk).first()
        if appeal is not None:
            appeal.violation = obj
        return {
            "appeal": appeal,
            "appeal_overdue": _overdue_badge(appeal) if appeal else "",
            "appeal_evidence": list(appeal.evidence.all()) if appeal else [],
            "case_evidence": list(obj.evidence.all()),
        }

    change_list_template = "admin/cases/violation_change_list.html"

    def get_urls(self):
        return [path("open/", self.admin_site.admin_view(self.open_view), name="cases_violation_open")] + super().get_urls()

    def open_view(self, request):
        """Open a case by hand with evidence, through services.case_open_by_hand."""
        if not request.user.has_perm("cases.open_case"):
            raise PermissionDenied
        form = OpenCaseForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                violation = services.case_open_by_hand(actor=Actor.reviewer(request.user), **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The case was opened and the merchant notified."))
                return HttpResponseRedirect(reverse("admin:cases_violation_change", args=[violation.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": _("Open a case by hand")}
        return TemplateResponse(request, "admin/cases/open_case.html", context)

    def find_evidence(self, obj, file_id):
        return (ViolationEvidence.objects.filter(violation=obj, pk=file_id).first()
                or AppealEvidence.objects.filter(appeal_id=obj.pk, pk=file_id).first())


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("submitted_at", "violation_link", "merchant_id", "risk_point", "decision_due", "overdue",
                    "decision", "decided_by", "assignee")
    list_select_related = ("violation", "violation__merchant", "violation__assignee", "decided_by")
    list_filter = ("decision", "violation__state", "violation__risk_point", AppealCategoryFilter,
                   AppealMerchantFilter, AppealAssigneeFilter, AppealOverdueFilter)
    search_fields = ("violation__merchant__merchant_id", "violation__merchant__name", "statement")
    ordering = ("decision_due",)

    @admin.display(description=gettext_lazy("violation"))
    def violation_link(self, obj):
        url = reverse("admin:cases_violation_change", args=[obj.violation_id])
        return format_html('<a href="{}">{}</a>', url, _("open the case"))

    @admin.display(description=gettext_lazy("merchant"), ordering="violation__merchant_id")
    def merchant_id(self, obj):
        return obj.violation.merchant_id

    @admin.display(description=gettext_lazy("risk point"))
    def risk_point(self, obj):
        return obj.violation.get_risk_point_display()

    @admin.display(description=gettext_lazy("assignee"))
    def assignee(self, obj):
        return obj.violation.assignee or ""

    @admin.display(description=gettext_lazy("overdue"))
    def overdue(self, obj):
        return _overdue_badge(obj)


# --- reference data: a change is a new version, added through its service (an event) ---------

class _DryRun(Exception):
    pass


class ReferenceVersionForm(forms.ModelForm):
    """The add form of a reference-data version: `clean()` runs the service in a transaction rolled back
    at once, so its field errors show on the form; the admin's save_model runs it for real."""

    category = forms.ChoiceField(label=gettext_lazy("category"), choices=())
    # The preview step: the first valid submission shows the impact (cases.impact) and records nothing; saving
    # the same values again records the version.
    preview = forms.CharField(required=False, widget=forms.HiddenInput)
    actor = None
    arguments = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c, c) for c in settings.RISKCASE_CATEGORIES]

    @staticmethod
    def add(**arguments):
        raise NotImplementedError

    def _post_clean(self):
        # The service validates (the model's constraints are checked there).
        pass

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            with transaction.atomic():
                version = self.add(actor=self.actor, **self.service_arguments(data))
                raise _DryRun
        except _DryRun:
            pass
        except InvalidReferenceData as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None
        except DomainError as exc:  # a stricter version without its 7 days' notice (cases.strictness)
            raise ValidationError(str(exc)) from None
        fingerprint = preview_fingerprint(self.service_arguments(data))
        if data.get("preview") != fingerprint:
            self.data = self.data.copy()
            self.data[self.add_prefix("preview")] = fingerprint
            raise preview_error(version.changes, version.impact)
        return data

    def service_arguments(self, data):
        return {name: data.get(name) for name in self.arguments} | {"note": data.get("note") or ""}


class ThresholdVersionForm(ReferenceVersionForm):
    warn_at = forms.DecimalField(label=gettext_lazy("warn at"), required=False, max_digits=8, decimal_places=6,
                                 help_text=gettext_lazy("Leave empty for 0.8 x the limit."))
    arguments = ("category", "risk_point", "limit", "warn_at", "window_days", "min_orders", "effective_from")

    class Meta:
        model = ThresholdVersion
        fields = ["category", "risk_point", "limit", "warn_at", "window_days", "min_orders", "effective_from", "note"]

    @staticmethod
    def add(**arguments):
        return threshold_version_add(**arguments)


class RuleParameterVersionForm(ReferenceVersionForm):
    arguments = ("category", *RuleParameterVersion.PARAMETERS, "effective_from")

    class Meta:
        model = RuleParameterVersion
        fields = ["category", *RuleParameterVersion.PARAMETERS, "effective_from", "note"]

    @staticmethod
    def add(**arguments):
        return rule_parameters_version_add(**arguments)


class ReferenceVersionAdmin(admin.ModelAdmin):
    """Reviewers holding the add permission add versions through the service; nobody edits or deletes one
    (a change is a new version), everyone allowed to see them reads them."""

    change_form_template = "admin/reference_version_change_form.html"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": Actor.reviewer(request.user)})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if form.is_bound and not any(form.errors.get(f) for f in form.fields) and is_only_a_preview(
                form.non_field_errors()):
            # No "Please correct the error below": the impact is shown as information, nothing is wrong.
            context["errors"], context["preview_lines"] = [], list(form.non_field_errors())
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def save_model(self, request, obj, form, change):
        created = form.add(actor=form.actor, **form.service_arguments(form.cleaned_data))
        obj.pk = created.pk
        for name in form.arguments:
            setattr(obj, name, getattr(created, name))
        obj._state.adding = False
        obj._state.db = created._state.db


@admin.register(ThresholdVersion)
class ThresholdVersionAdmin(ReferenceVersionAdmin):
    form = ThresholdVersionForm
    list_display = ("category", "risk_point", "limit", "warn_at", "window_days", "min_orders", "effective_from",
                    "created_by", "created_at", "note")
    list_filter = ("category", "risk_point")
    list_select_related = ("created_by",)
    ordering = ("category", "risk_point", "-effective_from")


@admin.register(RuleParameterVersion)
class RuleParameterVersionAdmin(ReferenceVersionAdmin):
    form = RuleParameterVersionForm
    list_display = ("category", *RuleParameterVersion.PARAMETERS, "effective_from", "created_by", "created_at",
                    "note")
    list_filter = ("category",)
    list_select_related = ("created_by",)
    ordering = ("category", "-effective_from")
