"""The events table gets a hash scheme and the previous event's position, and refuses TRUNCATE on PostgreSQL.

No stored event is rewritten: the columns are added by ALTER TABLE ... ADD COLUMN with a constant default
(1 for `hash_scheme`, NULL for `prev_position`), which fills the existing rows without an UPDATE, so the
append-only triggers neither fire nor need lifting. The SQL is written by hand because Django would
rebuild the table on SQLite for a NOT NULL column with a default, and a rebuilt table loses its triggers.
The database default stays 1 (what the rows before this migration are); `store.append` always writes the
current scheme itself.

TRUNCATE skips row triggers, so a statement trigger refuses it unless the session setting
`riskcase.allow_truncate` is 'on', which only Django's flush sets (eventstore.flush_guard): the test
database's teardown keeps working. Any session can set such a setting, so this guards against accidents;
the application role is kept from TRUNCATE by its privileges (README, "The database role").
"""
from django.db import migrations, models

PG_ADD = """
ALTER TABLE cases_event ADD COLUMN hash_scheme smallint NOT NULL DEFAULT 1 CHECK (hash_scheme >= 0);
ALTER TABLE cases_event ADD COLUMN prev_position bigint NULL;
CREATE OR REPLACE FUNCTION cases_event_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('riskcase.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'cases_event is append-only: TRUNCATE refused';
END;
$$;
CREATE TRIGGER cases_event_no_truncate BEFORE TRUNCATE ON cases_event
    FOR EACH STATEMENT EXECUTE FUNCTION cases_event_no_truncate();
"""
PG_REMOVE = """
DROP TRIGGER IF EXISTS cases_event_no_truncate ON cases_event;
DROP FUNCTION IF EXISTS cases_event_no_truncate();
ALTER TABLE cases_event DROP COLUMN prev_position;
ALTER TABLE cases_event DROP COLUMN hash_scheme;
"""
SQLITE_ADD = [
    'ALTER TABLE cases_event ADD COLUMN "hash_scheme" smallint unsigned NOT NULL DEFAULT 1 CHECK ("hash_scheme" >= 0)',
    'ALTER TABLE cases_event ADD COLUMN "prev_position" bigint NULL',
]
SQLITE_REMOVE = [
    'ALTER TABLE cases_event DROP COLUMN "prev_position"',
    'ALTER TABLE cases_event DROP COLUMN "hash_scheme"',
]


def add(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_ADD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_ADD:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"no events table changes for {vendor}")


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REMOVE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REMOVE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("eventstore", "0001_move_event_store")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="event", name="hash_scheme",
                    field=models.PositiveSmallIntegerField(default=2, verbose_name="hash scheme"),
                ),
                migrations.AddField(
                    model_name="event", name="prev_position",
                    field=models.BigIntegerField(blank=True, null=True, verbose_name="previous position"),
                ),
            ],
            database_operations=[migrations.RunPython(add, remove)],
        ),
    ]
