"""Admin for trade facts and metrics: read-only, since facts only change through ingestion."""
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from riskcase.lib.admin import ReadOnlyAdmin

from .authentication import announce_revocation, forget_verified_tokens
from .models import DailyMetric, Merchant, ProductDailyMetric, RecomputeRun, ServiceScope, ServiceToken


@admin.register(Merchant)
class MerchantAdmin(ReadOnlyAdmin):
    list_display = ["merchant_id", "name", "category", "entity_id", "occurred_at"]
    list_filter = ["category"]
    search_fields = ["merchant_id", "name", "entity_id"]


@admin.register(DailyMetric)
class DailyMetricAdmin(ReadOnlyAdmin):
    list_display = ["merchant_id", "day", "paid_orders", "verified_orders", "complaint_rate",
                    "negative_review_rate", "merchant_refund_rate", "stable", "as_of"]
    list_filter = ["stable", "day"]
    search_fields = ["merchant__merchant_id"]
    date_hierarchy = "day"
    show_full_result_count = False  # a COUNT(*) over every merchant-day is not worth its cost


@admin.register(ProductDailyMetric)
class ProductDailyMetricAdmin(ReadOnlyAdmin):
    list_display = ["merchant_id", "product_id", "day", "paid_orders", "verified_orders", "complaint_rate",
                    "negative_review_rate", "merchant_refund_rate", "stable", "as_of"]
    list_filter = ["stable", "day"]
    search_fields = ["merchant__merchant_id", "product_id"]
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(RecomputeRun)
class RecomputeRunAdmin(ReadOnlyAdmin):
    list_display = ["as_of", "start", "shards", "rows", "started_at", "finished_at"]


class ServiceTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(label=_("scopes"), choices=ServiceScope.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ServiceToken
        fields = ["name", "scopes", "expires_at"]

    def clean_scopes(self):
        return ServiceToken.clean_scopes(self.cleaned_data["scopes"])


@admin.register(ServiceToken)
class ServiceTokenAdmin(admin.ModelAdmin):
    """Scopes and expiry are edited here; the secret is shown once (created with `manage.py create_service_token`
    or rotated with the action below) and never stored."""

    form = ServiceTokenForm
    list_display = ["name", "prefix", "scope_list", "created_at", "expires_at", "revoked_at", "rotated_from"]
    list_filter = ["revoked_at"]
    readonly_fields = ["prefix", "created_at", "revoked_at", "rotated_from"]
    actions = ["revoke", "rotate"]

    def has_add_permission(self, request):
        return False  # created with `manage.py create_service_token`, so the secret is shown once

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes) or "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        forget_verified_tokens()  # a narrowed scope or a nearer expiry applies at once in this process

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        announce_revocation()
        self.message_user(request, _("%(count)d tokens revoked.") % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Rotate the selected tokens (the old secret keeps working for a day)"),
                  permissions=["change"])
    def rotate(self, request, queryset):
        overlap = timedelta(hours=getattr(settings, "RISKCASE_SERVICE_TOKEN_ROTATION_OVERLAP_HOURS", 24))
        for token in queryset.filter(revoked_at__isnull=True):
            successor, raw = token.rotate(overlap=overlap, now=timezone.now())
            self.message_user(request, format_html(
                _("New secret for {}: <code>{}</code> — copy it now into the system; it will not be shown again. "
                  "The old one works until {}."), successor.name, raw, token.expires_at), messages.WARNING)
        forget_verified_tokens()
