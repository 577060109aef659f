"""The stored metric tables keep half of each page free (PostgreSQL fillfactor 50), so the recompute's MERGE updates,
which change no indexed column, are heap-only (HOT) updates: the new version goes on the same page and no index
is touched. SQLite has no such setting; nothing to do there. Product-days get an index on the day, which the
recompute's range scans use (merchant-days have one already)."""

from django.db import migrations, models

TABLES = ["metrics_dailymetric", "metrics_productdailymetric"]


def set_fillfactor(factor):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} SET (fillfactor = {int(factor)})")
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('metrics', '0008_fact_merchant_id'),
    ]

    operations = [
        migrations.RunPython(set_fillfactor(50), set_fillfactor(100)),
        migrations.AddIndex(
            model_name='productdailymetric',
            index=models.Index(fields=['day'], name='product_daily_metric_day'),
        ),
    ]
