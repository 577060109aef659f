"""The shipped default thresholds (data contract section 5), in force from the beginning."""
from datetime import date
from decimal import Decimal

from django.db import migrations

LIMITS = {
    "food": ("0.05", "0.08", "0.05"),
    "beauty": ("0.04", "0.06", "0.04"),
    "leisure": ("0.05", "0.08", "0.05"),
    "hotel_travel": ("0.03", "0.05", "0.03"),
    "life_services": ("0.05", "0.08", "0.05"),
    "retail": ("0.05", "0.10", "0.06"),
}
RATES = ("complaint_rate", "negative_review_rate", "merchant_refund_rate")


def create_defaults(apps, schema_editor):
    ThresholdVersion = apps.get_model("cases", "ThresholdVersion")
    ThresholdVersion.objects.bulk_create(
        ThresholdVersion(
            category=category, risk_point=rate, limit=Decimal(limit), warn_at=Decimal(limit) * Decimal("0.8"),
            window_days=30, min_orders=30, effective_from=date(2000, 1, 1), note="shipped default",
        )
        for category, limits in LIMITS.items()
        for rate, limit in zip(RATES, limits)
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
