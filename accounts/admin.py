"""Admin: link users to merchants. Tokens are listed (and revoked by deleting them) in knox's own admin."""
from django.contrib import admin

from .models import MerchantMembership


@admin.register(MerchantMembership)
class MerchantMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "merchant", "created_at"]
    list_select_related = ["user", "merchant"]
    search_fields = ["user__username", "merchant__merchant_id", "merchant__name"]
    raw_id_fields = ["user", "merchant"]
