"""Writing many new rows of one model in one statement: COPY on PostgreSQL, `bulk_create` elsewhere.

Django's `bulk_create` on PostgreSQL sends the rows as arrays of literals (`INSERT ... SELECT * FROM
UNNEST(...)`); with client-side parameter binding psycopg quotes every array element in Python, which
for rows carrying JSON (events, cases' explanations) costs more than the database's whole work. COPY
sends them through psycopg's C row encoder instead: the same rows, the same constraints and triggers
(COPY fires INSERT triggers), one round trip.
"""
from django.db import connections, router

__all__ = ["insert_rows"]


def insert_rows(model, rows, *, using=None):
    """INSERT the new `rows` of `model` (primary keys set) in one statement; they are then saved rows, as
    after `bulk_create` (no signals). A constraint refusing a row raises Django's IntegrityError."""
    rows = list(rows)
    using = using or router.db_for_write(model)
    connection = connections[using]
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    values = [[f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields] for row in rows]
    copyable = (connection.vendor == "postgresql" and len(rows) > 1
                and not any(v is None and f.primary_key or hasattr(v, "as_sql")
                            for row in values for f, v in zip(fields, row, strict=True)))
    if not copyable:
        return model.objects.using(using).bulk_create(rows)
    q = connection.ops.quote_name
    sql = f"COPY {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for row in values:
            copy.write_row(row)
    for row in rows:
        row._state.adding = False
        row._state.db = using
    return rows
