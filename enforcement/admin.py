"""Enforcement admin: the policy, penalties with their event timeline, the approval queue, webhooks."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.errors import ConcurrencyError, DomainError
from cases.impact import is_only_a_preview, preview_error, preview_fingerprint
from cases.models import Violation
from eventstore.actors import Actor
from eventstore.store import read
from riskcase.ops.enqueue import on_commit_once

from . import abilities, services, webhooks
from .abilities import LIFTABLE_STATES, OPEN_VIOLATION_STATES, SERIOUS_HAND_OPENED, ReviewerAbilities
from .models import (
    DeliveryState,
    Penalty,
    PenaltyKind,
    PenaltyState,
    PolicyStep,
    PolicyVersion,
    Restriction,
    WebhookDelivery,
    WebhookEndpoint,
)
from .policy import ADD_PERMISSION, STEP_FIELDS, InvalidPolicy, policy_in_force, policy_version_add, steps_of

# --- The policy: a change is a new version (with its steps), added through policy_version_add ----

class _DryRun(Exception):
    pass


class PolicyStepFormSet(forms.BaseInlineFormSet):
    """The steps of a new version. `clean()` runs policy_version_add with the version's fields (on
    `self.instance`) in a transaction rolled back at once: a step's errors show on its row, the
    version's above the steps; the admin's save runs it for real."""

    actor = None

    def steps(self):
        return [{name: form.cleaned_data.get(name) for name in STEP_FIELDS}
                for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]

    def version_arguments(self):
        version = self.instance
        return {"effective_from": version.effective_from, "window_days": version.window_days,
                "clustered_ban_at": version.clustered_ban_at, "note": version.note or "", "steps": self.steps(),
                "protective_review_hours": version.protective_review_hours, "severity_order": version.severity_order}

    def clean(self):
        super().clean()
        if any(self.errors) or self.instance.effective_from is None:
            return  # the version's own form reports what is missing there
        try:
            with transaction.atomic():
                version = policy_version_add(actor=self.actor, **self.version_arguments())
                raise _DryRun
        except _DryRun:
            pass
        except DomainError as exc:  # a stricter version without its 7 days' notice (cases.strictness)
            raise ValidationError(str(exc)) from None
        except InvalidPolicy as exc:
            forms_ = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
            general = []
            for key, messages_ in exc.message_dict.items():
                index, _, field = key.partition("].")
                if key.startswith("steps[") and field in STEP_FIELDS:
                    forms_[int(index.removeprefix("steps["))].add_error(field, messages_)
                else:
                    general.extend(f"{key}: {message}" for message in messages_)
            if general:
                raise ValidationError(general) from None
            return
        # The preview step: the first valid submission shows the impact and records nothing; the same values
        # saved again record the version. The digest rides in the version form's hidden `preview` field
        # (PolicyVersionAdmin.render_change_form puts it there).
        fingerprint = preview_fingerprint(self.version_arguments())
        if self.data.get("preview") != fingerprint:
            self.preview_digest = fingerprint
            raise preview_error(version.changes, version.impact)


class PolicyStepInline(admin.TabularInline):
    model = PolicyStep
    formset = PolicyStepFormSet
    fields = list(STEP_FIELDS)

    def get_extra(self, request, obj=None, **kwargs):
        return 5 if obj is None else 0

    def has_add_permission(self, request, obj=None):
        return obj is None and request.user.has_perm(ADD_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"actor": Actor.reviewer(request.user)})


class PolicyVersionForm(forms.ModelForm):
    preview = forms.CharField(required=False, widget=forms.HiddenInput)  # see PolicyStepFormSet.clean

    class Meta:
        model = PolicyVersion
        fields = ["effective_from", "window_days", "clustered_ban_at", "protective_review_hours", "severity_order",
                  "note"]


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    """Senior reviewers add a version with its steps (policy_version_add records it as an event);
    nobody edits or deletes one: penalties cite the version they were decided under."""

    list_display = ["effective_from", "window_days", "clustered_ban_at", "protective_review_hours", "note",
                    "created_at"]
    fields = ["effective_from", "window_days", "clustered_ban_at", "protective_review_hours", "severity_order", "note",
              "preview"]
    form = PolicyVersionForm
    inlines = [PolicyStepInline]

    def has_add_permission(self, request):
        return request.user.has_perm(ADD_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        pass  # the version and its steps are written together by policy_version_add, in save_related

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        digest = next((getattr(inline.formset, "preview_digest", None) for inline in
                       context.get("inline_admin_formsets", ()) if getattr(inline.formset, "preview_digest", None)),
                      None)
        if digest:
            form = context["adminform"].form
            form.data = form.data.copy()
            form.data["preview"] = digest
            formsets = [inline.formset for inline in context.get("inline_admin_formsets", ())]
            if not form.errors and all(not any(f.errors for f in fs.forms) for fs in formsets) and all(
                    not fs.non_form_errors() or is_only_a_preview(fs.non_form_errors()) for fs in formsets):
                # No "Please correct the error below": the impact (shown with the steps) is information.
                context["errors"] = []
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def save_related(self, request, form, formsets, change):
        (steps,) = formsets
        created = policy_version_add(actor=steps.actor, **steps.version_arguments())
        form.instance.pk = created.pk
        form.instance._state.adding = False
        steps.new_objects, steps.changed_objects, steps.deleted_objects = list(created.steps.all()), [], []


class AwaitingApprovalFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("confirm", _("awaiting one reviewer")), ("four_eyes", _("awaiting two senior reviewers")),
                ("protective", _("protective bans to review")), ("overdue", _("protective bans overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "confirm":
            return queryset.filter(state=PenaltyState.PROPOSED, senior_only=False)
        if self.value() == "four_eyes":
            return queryset.filter(state=PenaltyState.PROPOSED, senior_only=True)
        unreviewed = queryset.filter(protective=True, state=PenaltyState.ACTIVE, confirmed_by__isnull=True)
        if self.value() == "protective":
            return unreviewed.order_by("review_due_at")
        if self.value() == "overdue":
            return unreviewed.filter(review_due_at__lt=timezone.now()).order_by("review_due_at")
        return queryset


class LiftForm(forms.Form):
    """What a reviewer types to lift a penalty by hand: the statement the merchant reads, and a note only
    reviewers and auditors see. The version guards against a stale page."""

    reason = forms.CharField(label=_("Statement of reasons (shown to the merchant)"),
                             widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
                             help_text=_("The merchant reads this on their penalties page, word for word."))
    internal_note = forms.CharField(label=_("Internal note (reviewers and auditors only)"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
                                    help_text=_("Kept in the penalty's event log with your name; never shown to "
                                                "the merchant."))
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class DiscretionaryForm(forms.Form):
    """A penalty a reviewer chooses for a serious hand-opened case (视具体情况), with its two texts."""

    violation = forms.ModelChoiceField(label=_("Serious case"), queryset=Violation.objects.none())
    step = forms.TypedChoiceField(label=_("Step of the ladder"), coerce=int, choices=())
    statement = forms.CharField(label=_("Statement of reasons (shown to the merchant)"),
                                widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))
    internal_note = forms.CharField(label=_("Internal note (reviewers and auditors only)"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["violation"].queryset = (Violation.objects.filter(
            risk_point__in=SERIOUS_HAND_OPENED, state__in=OPEN_VIOLATION_STATES).order_by("-opened_at"))
        self.fields["step"].choices = [(n, f"{n}: {PenaltyKind(kind).label}")
                                       for n, kind, *_rest in steps_of(policy_in_force())]


@admin.register(Penalty)
class PenaltyAdmin(admin.ModelAdmin):
    list_display = ["merchant_id", "kind", "product_id", "step", "basis", "state", "starts_at", "ends_at",
                    "approvals", "lift_approvals", "review_due_at"]
    list_filter = [AwaitingApprovalFilter, "state", "kind", "discretionary", "protective"]
    search_fields = ["merchant_id", "product_id"]
    actions = ["approve"]
    readonly_fields = [f.name for f in Penalty._meta.fields] + ["timeline"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("<path:object_id>/lift/", self.admin_site.admin_view(self.lift_view), name="enforcement_penalty_lift"),
            path("<path:object_id>/approve/", self.admin_site.admin_view(self.approve_view),
                 name="enforcement_penalty_approve"),
            path("<path:object_id>/confirm/", self.admin_site.admin_view(self.confirm_view),
                 name="enforcement_penalty_confirm"),
            path("propose/", self.admin_site.admin_view(self.propose_view), name="enforcement_penalty_propose"),
        ] + super().get_urls()

    def get_list_display(self, request):
        abilities = ReviewerAbilities(request.user)

        @admin.display(description=_("actions"))
        def buttons(obj):
            """Only the transitions this user may take on this penalty; approve posts the changelist form
            (it carries the CSRF token) to the approve view, since forms cannot nest."""
            parts = []
            if abilities.may_approve(obj):
                parts.append(format_html(
                    '<button type="submit" class="button" formaction="{}" name="expected_version" value="{}">'
                    "{}</button>", reverse("admin:enforcement_penalty_approve", args=[obj.pk]), obj.version,
                    gettext("Approve")))
            if abilities.may_confirm(obj):
                parts.append(format_html(
                    '<button type="submit" class="button" formaction="{}" name="expected_version" value="{}">'
                    "{}</button>", reverse("admin:enforcement_penalty_confirm", args=[obj.pk]), obj.version,
                    gettext("Confirm the ban")))
            if abilities.may_lift(obj):
                parts.append(format_html('<a class="button" href="{}">{}</a>',
                                         reverse("admin:enforcement_penalty_lift", args=[obj.pk]), gettext("Lift…")))
            return format_html_join(" ", "{}", ((p,) for p in parts))

        return [*super().get_list_display(request), buttons]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = {"may_lift": obj is not None and ReviewerAbilities(request.user).may_lift(obj)}
        extra.update(extra_context or {})
        return super().change_view(request, object_id, form_url, extra_context=extra)

    @admin.display(description=_("approvals"))
    def approvals(self, obj):
        return f"{len(obj.approved_by)}/{obj.approvals_needed}"

    @admin.display(description=_("basis"))
    def basis(self, obj):
        if obj.protective:
            return gettext("protective") if obj.confirmed_by is None else gettext("protective, confirmed")
        return gettext("discretionary") if obj.discretionary else gettext("ladder")

    @admin.display(description=_("lift approvals"))
    def lift_approvals(self, obj):
        return f"{len(obj.lift_approved_by)}/{abilities.lift_approvals_needed(obj)}" if obj.lift_approved_by else "-"

    @admin.display(description=_("event timeline"))
    def timeline(self, obj):
        return format_html_join("", "<div>#{} {} {} by {}: {}</div>", (
            (e.position, e.recorded_at.isoformat(timespec="seconds"), e.type, e.actor,
             {k: v for k, v in e.data.items() if k != "v"}) for e in read(obj.stream)))

    @admin.action(description=_("Approve the selected penalties"), permissions=["approve"])
    def approve(self, request, queryset):
        for penalty in queryset:
            self._approve(request, penalty, expected_version=None)

    def has_approve_permission(self, request):
        return request.user.has_perm("enforcement.approve_penalty")

    def has_lift_permission(self, request):
        return request.user.has_perm("enforcement.lift_penalty")

    def _approve(self, request, penalty, *, expected_version):
        try:
            services.penalty_approve(penalty_id=penalty.pk, reviewer=request.user, expected_version=expected_version)
            self.message_user(request, _("Approved: %(p)s") % {"p": penalty})
        except ConcurrencyError:
            self.message_user(request, _("%(p)s was changed by someone else in the meantime; nothing was saved. "
                                         "Review it as it is now and try again.") % {"p": penalty}, messages.ERROR)
        except DomainError as exc:
            self.message_user(request, f"{penalty}: {exc}", messages.ERROR)

    def _penalty_or_404(self, request, object_id):
        penalty = self.get_object(request, object_id)
        if penalty is None:
            raise Http404
        return penalty

    def _queue_button(self, request, object_id):
        """A queue button's POST (Approve, Confirm): the penalty, and the version the reviewer saw (None when
        the form sent none). Refused without the approve and view permissions."""
        if not (self.has_approve_permission(request) and self.has_view_permission(request)):
            raise PermissionDenied
        penalty = self._penalty_or_404(request, object_id)
        expected = request.POST.get("expected_version", "")
        return penalty, int(expected) if expected.isdigit() else None

    def confirm_view(self, request, object_id):
        """The protective-ban queue's Confirm button: the ban stays until its term ends."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        penalty, expected_version = self._queue_button(request, object_id)
        try:
            services.penalty_confirm(penalty_id=penalty.pk, reviewer=request.user, expected_version=expected_version)
            self.message_user(request, _("Confirmed: %(p)s") % {"p": penalty})
        except DomainError as exc:
            self.message_user(request, f"{penalty}: {exc}", messages.ERROR)
        return HttpResponseRedirect(self._back(request))

    def propose_view(self, request):
        """Propose a discretionary penalty: the same confirmation rules as the ladder's (services decide)."""
        if not (self.has_approve_permission(request) and request.user.has_perm("cases.open_case")):
            raise PermissionDenied
        form = DiscretionaryForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                penalty = services.penalty_propose_discretionary(
                    violation_id=form.cleaned_data["violation"].pk, reviewer=request.user,
                    step=form.cleaned_data["step"], statement=form.cleaned_data["statement"],
                    internal_note=form.cleaned_data["internal_note"])
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, _("Proposed: %(p)s (%(state)s)") % {
                    "p": penalty, "state": penalty.get_state_display()}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:enforcement_penalty_change", args=[penalty.pk]))
        context = {**self.admin_site.each_context(request), "title": _("Propose a discretionary penalty"),
                   "opts": self.model._meta, "form": form, "has_view_permission": True}
        return TemplateResponse(request, "admin/enforcement/penalty/propose.html", context)

    def _back(self, request):
        back = request.META.get("HTTP_REFERER", "")  # back to the queue page, filters kept
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            back = reverse("admin:enforcement_penalty_changelist")
        return back

    def approve_view(self, request, object_id):
        """The queue's Approve button: one penalty, at the version the reviewer saw."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        penalty, expected_version = self._queue_button(request, object_id)
        self._approve(request, penalty, expected_version=expected_version)
        return HttpResponseRedirect(self._back(request))

    def lift_view(self, request, object_id):
        """Lift one penalty by hand: the reviewer writes the reason, recorded in the penalty.lifted event."""
        if not (self.has_lift_permission(request) and self.has_view_permission(request)):
            raise PermissionDenied
        penalty = self._penalty_or_404(request, object_id)
        change_url = reverse("admin:enforcement_penalty_change", args=[penalty.pk])
        if penalty.state not in LIFTABLE_STATES:
            self.message_user(request, _("%(p)s is %(state)s and can no longer be lifted.")
                              % {"p": penalty, "state": penalty.get_state_display()}, messages.WARNING)
            return HttpResponseRedirect(change_url)
        refusal = ReviewerAbilities(request.user).lift_refusal(penalty)
        if refusal is not None:
            self.message_user(request, str(refusal), messages.WARNING)
            return HttpResponseRedirect(change_url)
        if request.method == "POST":
            form = LiftForm(request.POST)
            if form.is_valid():
                try:
                    lifted = services.penalty_lift(
                        penalty_id=penalty.pk, actor=Actor.reviewer(request.user), cause="reviewer",
                        reason=form.cleaned_data["reason"], internal_note=form.cleaned_data["internal_note"],
                        expected_version=form.cleaned_data["expected_version"])
                except ConcurrencyError:
                    penalty.refresh_from_db()
                    self.message_user(request, _(
                        "Someone else changed this penalty while you were looking at it. Nothing was saved: "
                        "review the penalty as it is now and submit again."), messages.ERROR)
                    if penalty.state not in LIFTABLE_STATES:
                        return HttpResponseRedirect(change_url)
                    form = LiftForm(initial={"reason": form.cleaned_data["reason"],
                                             "expected_version": penalty.version})
                except DomainError as exc:
                    self.message_user(request, str(exc), messages.ERROR)
                    return HttpResponseRedirect(change_url)
                else:
                    if lifted.state in LIFTABLE_STATES:
                        self.message_user(request, _("Your agreement to lift %(p)s is recorded; a second senior "
                                                     "reviewer must agree before it is lifted.") % {"p": penalty},
                                          messages.SUCCESS)
                    else:
                        self.message_user(request, _("Lifted: %(p)s") % {"p": penalty}, messages.SUCCESS)
                    return HttpResponseRedirect(change_url)
        else:
            form = LiftForm(initial={"expected_version": penalty.version})
        violations = Violation.objects.filter(pk__in=penalty.violation_ids).order_by("opened_at")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Lift %(p)s") % {"p": penalty},
            "opts": self.model._meta,
            "original": penalty,
            "penalty": penalty,
            "violations": violations,
            "form": form,
            "change_url": change_url,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/enforcement/penalty/lift.html", context)


@admin.register(Restriction)
class RestrictionAdmin(admin.ModelAdmin):
    list_display = ["merchant_id", "public_warning", "can_advertise", "traffic_weight", "removed", "position"]
    search_fields = ["merchant_id"]
    readonly_fields = [f.name for f in Restriction._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """The signing secret is never a field: it is generated, shown once to whoever creates or rotates it (a
    message in their own session), and can only be replaced, never read back."""

    list_display = ["name", "url", "active", "previous_secret_until"]
    fields = ["name", "url", "active"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a URL typed without one: https
    actions = ["rotate_secret"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        endpoint, secret = services.webhook_endpoint_create(name=obj.name, url=obj.url, active=obj.active)
        obj.pk = endpoint.pk
        obj.secret = secret
        self._show_once(request, endpoint, secret)

    def _show_once(self, request, endpoint, secret):
        self.message_user(request, format_html(
            _("Signing secret for {}: <code>{}</code> — copy it now into the receiving system; it will not be "
              "shown again."), endpoint.name, secret), messages.WARNING)

    @admin.action(description=_("Rotate the signing secret (the old one keeps signing for a day)"),
                  permissions=["change"])
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            self._show_once(request, endpoint, services.webhook_secret_rotate(endpoint_id=endpoint.pk))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """Every delivery, and the queue of dead ones (filter by state "dead"): after the receiver is fixed,
    "replay from here" sends the selected dead delivery and every later dead one of its endpoint again."""

    list_display = ["endpoint", "merchant_id", "position", "state", "attempts", "next_attempt_at", "dead_at",
                    "last_error"]
    list_filter = ["state", "endpoint"]
    actions = ["replay_from_here"]
    list_select_related = ["endpoint"]
    search_fields = ["merchant_id"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Replay from here: send these dead deliveries and every later dead one again"),
                  permissions=["change"])
    def replay_from_here(self, request, queryset):
        first = queryset.filter(state=DeliveryState.DEAD).order_by("position").first()
        if first is None:
            self.message_user(request, _("Choose a dead delivery."), messages.WARNING)
            return
        count = webhooks.replay_from(first.pk)
        from .tasks import deliver_webhooks

        on_commit_once(deliver_webhooks)
        self.message_user(request, _("%(count)d deliveries queued again from position %(position)d.")
                          % {"count": count, "position": first.position}, messages.SUCCESS)
