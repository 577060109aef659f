"""Drop the varchar_pattern_ops ("_like") indexes PostgreSQL gets for every indexed CharField.

No query here does LIKE on a fact id, and each extra index slows every ingest insert.
"""
from django.db import migrations

FACT_TABLES = (
    "metrics_merchant", "metrics_order", "metrics_orderverification",
    "metrics_review", "metrics_complaint", "metrics_refund", "metrics_dailymetric",
)

DROP_LIKE_INDEXES = """
DO $$
DECLARE name text;
BEGIN
    FOR name IN
        SELECT indexname FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = ANY(%s) AND indexname LIKE '%%\\_like'
    LOOP
        EXECUTE format('DROP INDEX %%I', name);
    END LOOP;
END $$;
"""


def drop_like_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP_LIKE_INDEXES, params=[list(FACT_TABLES)])


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]
    operations = [migrations.RunPython(drop_like_indexes, migrations.RunPython.noop)]
