"""Enforcement admin: the policy, penalties with their event timeline, the approval queue, webhooks."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.actors import Actor
from cases.errors import ConcurrencyError, DomainError
from cases.eventstore import read
from cases.models import Violation

from riskcase.ops.enqueue import on_commit_once

from . import abilities, services, webhooks
from .abilities import LIFTABLE_STATES, ReviewerAbilities
from .models import (
    DeliveryState,
    Penalty,
    PenaltyState,
    PolicyStep,
    PolicyVersion,
    Restriction,
    WebhookDelivery,
    WebhookEndpoint,
)



class PolicyStepInline(admin.TabularInline):
    model = PolicyStep
    extra = 0


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ["effective_from", "window_days", "clustered_ban_at", "note"]
    inlines = [PolicyStepInline]


class AwaitingApprovalFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("confirm", _("awaiting one reviewer")), ("four_eyes", _("awaiting two senior reviewers"))]

    def queryset(self, request, queryset):
        if self.value() == "confirm":
            return queryset.filter(state=PenaltyState.PROPOSED, senior_only=False)
        if self.value() == "four_eyes":
            return queryset.filter(state=PenaltyState.PROPOSED, senior_only=True)
        return queryset


class LiftForm(forms.Form):
    """What a reviewer types to lift a penalty by hand; the version guards against a stale page."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
                             help_text=_("Recorded in the penalty's event log with your name."))
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


@admin.register(Penalty)
class PenaltyAdmin(admin.ModelAdmin):
    list_display = ["merchant_id", "kind", "product_id", "step", "state", "starts_at", "ends_at", "approvals",
                    "lift_approvals"]
    list_filter = [AwaitingApprovalFilter, "state", "kind"]
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

    def approve_view(self, request, object_id):
        """The queue's Approve button: one penalty, at the version the reviewer saw."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_approve_permission(request) and self.has_view_permission(request)):
            raise PermissionDenied
        penalty = self._penalty_or_404(request, object_id)
        expected = request.POST.get("expected_version", "")
        self._approve(request, penalty, expected_version=int(expected) if expected.isdigit() else None)
        back = request.META.get("HTTP_REFERER", "")  # back to the queue page, filters kept
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            back = reverse("admin:enforcement_penalty_changelist")
        return HttpResponseRedirect(back)

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
                        reason=form.cleaned_data["reason"], expected_version=form.cleaned_data["expected_version"])
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
