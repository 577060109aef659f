"""PostgreSQL: turn each fact table into one partitioned by RANGE on its day column (metrics/partitions.py).

The primary key becomes (id, day), since a partitioned table's unique keys must hold the partition key; the
ingest still finds a repeated id in any partition (metrics/ingest/writer.py). Existing rows go through the
DEFAULT partition into monthly partitions. The Django model state does not change. SQLite: nothing to do.
"""
from django.db import migrations

TABLES = [
    ("metrics_order", "order_id", "paid_day"),
    ("metrics_orderverification", "order_id", "verified_day"),
    ("metrics_review", "review_id", "posted_day"),
    ("metrics_complaint", "complaint_id", "filed_day"),
    ("metrics_refund", "refund_id", "refunded_day"),
]


def partition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from metrics.partitions import create_partition, month_start

    with connection.cursor() as cursor:
        for table, key, day in TABLES:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s "
                           "AND indexname <> %s", [table, f"{table}_pkey"])
            indexes = cursor.fetchall()
            cursor.execute(
                f'CREATE TABLE "{table}__p" (LIKE "{table}" INCLUDING DEFAULTS) PARTITION BY RANGE ("{day}")'
            )
            cursor.execute(f'ALTER TABLE "{table}__p" ADD CONSTRAINT "{table}__p_pkey" PRIMARY KEY ("{key}", "{day}")')
            cursor.execute(f'CREATE TABLE "{table}__default" PARTITION OF "{table}__p" DEFAULT')
            cursor.execute(f'INSERT INTO "{table}__p" SELECT * FROM "{table}"')
            cursor.execute(f'DROP TABLE "{table}"')
            cursor.execute(f'ALTER TABLE "{table}__p" RENAME TO "{table}"')
            cursor.execute(f'ALTER TABLE "{table}__default" RENAME TO "{table}_default"')
            cursor.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{table}__p_pkey" TO "{table}_pkey"')
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute(f'SELECT DISTINCT "{day}" FROM "{table}_default"')
            for first in sorted({month_start(row[0]) for row in cursor.fetchall()}):
                create_partition(cursor, table, day, first)


class Migration(migrations.Migration):
    atomic = True

    dependencies = [
        ("metrics", "0005_fact_retention"),
    ]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
