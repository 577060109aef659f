"""Admin for trade facts and metrics: read-only, since facts only change through ingestion."""
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riskcase.lib.admin import ReadOnlyAdmin

from .authentication import announce_revocation
from .models import DailyMetric, Merchant, ProductDailyMetric, RecomputeRun, ServiceToken


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


@admin.register(ServiceToken)
class ServiceTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # created with `manage.py create_service_token`, so the secret is shown once

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        announce_revocation()
        self.message_user(request, _("%(count)d tokens revoked.") % {"count": count}, messages.SUCCESS)
