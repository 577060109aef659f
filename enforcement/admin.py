"""Enforcement admin: the policy, penalties with their event timeline, the approval queue, webhooks."""
from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from cases.actors import Actor
from cases.errors import DomainError
from cases.eventstore import read

from . import services
from .models import (Penalty, PenaltyState, PolicyStep, PolicyVersion, Restriction, WebhookDelivery,
                     WebhookEndpoint)


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


@admin.register(Penalty)
class PenaltyAdmin(admin.ModelAdmin):
    list_display = ["merchant_id", "kind", "product_id", "step", "state", "starts_at", "ends_at", "approvals"]
    list_filter = [AwaitingApprovalFilter, "state", "kind"]
    search_fields = ["merchant_id", "product_id"]
    actions = ["approve", "lift"]
    readonly_fields = [f.name for f in Penalty._meta.fields] + ["timeline"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("approvals"))
    def approvals(self, obj):
        return f"{len(obj.approved_by)}/{obj.approvals_needed}"

    @admin.display(description=_("event timeline"))
    def timeline(self, obj):
        return format_html_join("", "<div>#{} {} {} by {}: {}</div>", (
            (e.position, e.recorded_at.isoformat(timespec="seconds"), e.type, e.actor,
             {k: v for k, v in e.data.items() if k != "v"}) for e in read(obj.stream)))

    @admin.action(description=_("Approve the selected penalties"), permissions=["approve"])
    def approve(self, request, queryset):
        for penalty in queryset:
            try:
                services.penalty_approve(penalty_id=penalty.pk, reviewer=request.user)
                self.message_user(request, _("Approved: %(p)s") % {"p": penalty})
            except DomainError as exc:
                self.message_user(request, f"{penalty}: {exc}", messages.ERROR)

    def has_approve_permission(self, request):
        return request.user.has_perm("enforcement.approve_penalty")

    @admin.action(description=_("Lift the selected penalties"), permissions=["lift"])
    def lift(self, request, queryset):
        reason = request.POST.get("reason", "").strip() or str(_("lifted by a reviewer in admin"))
        for penalty in queryset:
            try:
                services.penalty_lift(penalty_id=penalty.pk, actor=Actor.reviewer(request.user),
                                      cause="reviewer", reason=reason)
                self.message_user(request, _("Lifted: %(p)s") % {"p": penalty})
            except DomainError as exc:
                self.message_user(request, f"{penalty}: {exc}", messages.ERROR)

    def has_lift_permission(self, request):
        return request.user.has_perm("enforcement.lift_penalty")


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
    list_display = ["name", "url", "active"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["endpoint", "merchant_id", "position", "state", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["state", "endpoint"]
    list_select_related = ["endpoint"]
    search_fields = ["merchant_id"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
