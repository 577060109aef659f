import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name="ThresholdVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("category", models.CharField(max_length=32, verbose_name="category")),
                ("risk_point", models.CharField(choices=[("complaint_rate", "Complaint rate"), ("negative_review_rate", "Negative review rate"), ("merchant_refund_rate", "Merchant-responsibility refund rate")], max_length=32, verbose_name="risk point")),
                ("limit", models.DecimalField(decimal_places=6, max_digits=8, verbose_name="limit (red line)")),
                ("warn_at", models.DecimalField(decimal_places=6, max_digits=8, verbose_name="warn at")),
                ("window_days", models.PositiveSmallIntegerField(default=30, verbose_name="window (days)")),
                ("min_orders", models.PositiveIntegerField(default=30, verbose_name="minimum orders")),
                ("effective_from", models.DateField(verbose_name="effective from")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("note", models.CharField(blank=True, max_length=500, verbose_name="note")),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="created by")),
            ],
            options={
                "verbose_name": "threshold version",
                "verbose_name_plural": "threshold versions",
                "ordering": ["category", "risk_point", "-effective_from"],
                "constraints": [
                    models.UniqueConstraint(fields=("category", "risk_point", "effective_from"), name="threshold_version_unique"),
                    models.CheckConstraint(condition=models.Q(("warn_at__lte", models.F("limit"))), name="threshold_warn_at_not_above_limit"),
                    models.CheckConstraint(condition=models.Q(("window_days__gte", 1)), name="threshold_window_positive"),
                ],
            },
        ),
    ]
