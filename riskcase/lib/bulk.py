"""Writing many new rows of one model in one statement: COPY on PostgreSQL, `bulk_create` elsewhere.

Django's `bulk_create` on PostgreSQL sends the rows as arrays of literals (`INSERT ... SELECT * FROM
UNNEST(...)`); with client-side parameter binding psycopg quotes every array element in Python, which
for rows carrying JSON (events, cases' explanations) costs more than the database's whole work. COPY
sends them through psycopg's C row encoder instead: the same rows, the same constraints and triggers
(COPY fires INSERT triggers), one round trip.
"""
import uuid
from datetime import date

from django.db import connections, router

__all__ = ["insert_rows"]

# Internal types whose values of exactly these Python types Django's preparation returns unchanged on
# PostgreSQL (and COPY takes as they are): they skip it. Everything else (decimals, datetimes, JSON, None
# of JSON) goes through `get_db_prep_save`.
_AS_THEY_ARE = {
    **dict.fromkeys(("CharField", "TextField", "SlugField"), (str,)),
    **dict.fromkeys(("IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
                     "PositiveSmallIntegerField", "PositiveBigIntegerField", "AutoField", "BigAutoField"), (int,)),
    "BooleanField": (bool,),
    "UUIDField": (uuid.UUID,),
    "DateField": (date,),
}


def _preparers(fields, connection):
    """For each field, a function row -> the value COPY writes (`pre_save`, then Django's preparation
    unless the value is one `_AS_THEY_ARE` takes as it is)."""
    def preparer(field):
        kind = (field.target_field if field.is_relation else field).get_internal_type()
        plain, none_plain = _AS_THEY_ARE.get(kind, ()), kind != "JSONField"

        def prepare(row):
            value = field.pre_save(row, True)
            if type(value) in plain or (value is None and none_plain):
                return value
            return field.get_db_prep_save(value, connection)
        return prepare
    return [preparer(f) for f in fields]


def insert_rows(model, rows, *, using=None):
    """INSERT the new `rows` of `model` (primary keys set) in one statement; they are then saved rows, as
    after `bulk_create` (no signals). A constraint refusing a row raises Django's IntegrityError."""
    rows = list(rows)
    using = using or router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql" or len(rows) < 2:
        return model.objects.using(using).bulk_create(rows)
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    preparers = _preparers(fields, connection)
    values = [[prepare(row) for prepare in preparers] for row in rows]
    if any(v is None and f.primary_key or hasattr(v, "as_sql") for row in values for f, v in zip(fields, row, strict=True)):
        return model.objects.using(using).bulk_create(rows)  # a key or a value the database computes
    q = connection.ops.quote_name
    sql = f"COPY {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for row in values:
            copy.write_row(row)
    for row in rows:
        row._state.adding = False
        row._state.db = using
    return rows
