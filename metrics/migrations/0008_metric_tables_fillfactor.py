"""The stored metric tables keep half of each page free (PostgreSQL fillfactor 50), so the recompute's upserts,
which change no indexed column, are heap-only (HOT) updates: the new version goes on the same page and no index
is touched. SQLite has no such setting; nothing to do there."""

from django.db import migrations

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
        ('metrics', '0007_service_token_scopes'),
    ]

    operations = [
        migrations.RunPython(set_fillfactor(50), set_fillfactor(100)),
    ]
