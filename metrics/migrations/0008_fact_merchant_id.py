"""Every fact table carries merchant_id in its keys, so the schema can be distributed by merchant (Citus).

Verifications, reviews, complaints and refunds get a `merchant_id` column, filled from their order in one
set-based UPDATE per table; a fact whose order is not stored gets UNKNOWN_MERCHANT ('') and moves to its
order's merchant when the order is ingested (metrics/ingest/writer.py). The column is then NOT NULL, and on
PostgreSQL each fact table's primary key becomes (id, day, merchant_id): the id first, for the ingest's
look-ups by id, the day because the tables are partitioned by it, the merchant for distribution. Changing the
partitioned parent's key changes every partition's. A partial index per table finds the facts still waiting
for their order.
"""
import django.db.models.deletion
from django.db import migrations, models

UNKNOWN_MERCHANT = ""
# table, key column, day column (0006's partitioning)
KEYS = [
    ("metrics_order", "order_id", "paid_day"),
    ("metrics_orderverification", "order_id", "verified_day"),
    ("metrics_review", "review_id", "posted_day"),
    ("metrics_complaint", "complaint_id", "filed_day"),
    ("metrics_refund", "refund_id", "refunded_day"),
]
FACTS_ON_ORDERS = [table for table, _, _ in KEYS[1:]]
MODELS = ["orderverification", "review", "complaint", "refund"]


def backfill(apps, schema_editor):
    """One UPDATE per table from the orders (a hash join on PostgreSQL), then the rest to UNKNOWN_MERCHANT."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table in FACTS_ON_ORDERS:
            if connection.vendor == "postgresql":
                cursor.execute(f'UPDATE "{table}" AS f SET merchant_id = o.merchant_id FROM "metrics_order" AS o '
                               f'WHERE o.order_id = f.order_id')
                cursor.execute(f'UPDATE "{table}" SET merchant_id = %s WHERE merchant_id IS NULL', [UNKNOWN_MERCHANT])
            else:
                cursor.execute(f'UPDATE "{table}" SET merchant_id = COALESCE((SELECT o.merchant_id FROM '
                               f'"metrics_order" AS o WHERE o.order_id = "{table}".order_id), %s)',
                               [UNKNOWN_MERCHANT])


def merchant_in_primary_keys(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return  # SQLite has plain tables keyed by id: nothing to distribute
    with connection.cursor() as cursor:
        for table, key, day in KEYS:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_pkey"')
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" '
                           f'PRIMARY KEY ("{key}", "{day}", "merchant_id")')


def id_and_day_primary_keys(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table, key, day in KEYS:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_pkey"')
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY ("{key}", "{day}")')


def _merchant(null):
    return models.ForeignKey(
        db_constraint=False, db_index=False, null=null, on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+", to="metrics.merchant", verbose_name="merchant",
    )


class Migration(migrations.Migration):

    dependencies = [
        ("metrics", "0007_service_token_scopes"),
    ]

    operations = [
        *(migrations.AddField(model_name=model, name="merchant", field=_merchant(True)) for model in MODELS),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
        *(migrations.AlterField(model_name=model, name="merchant", field=_merchant(False)) for model in MODELS),
        migrations.RunPython(merchant_in_primary_keys, id_and_day_primary_keys, elidable=False),
        *(
            migrations.AddIndex(
                model_name=model,
                index=models.Index(condition=models.Q(("merchant_id", UNKNOWN_MERCHANT)), fields=["order_id"],
                                   name=f"{'verification' if model == 'orderverification' else model}_awaiting_order"),
            )
            for model in MODELS
        ),
    ]
