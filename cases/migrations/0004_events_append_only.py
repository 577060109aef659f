"""The database itself refuses UPDATE and DELETE on the events table (PostgreSQL and SQLite).

On SQLite the DELETE trigger lets a whole-database flush through (`manage.py flush`, test
teardown) only from this project's own connections while Django flushes (see cases.apps); any
other connection, the sqlite3 shell included, lacks the function and is refused. On PostgreSQL,
TRUNCATE (which flush uses) needs the table owner's privilege: revoke it from the app role in
production. A later migration that rebuilds the table on SQLite must reinstall these triggers.
"""
from django.db import migrations

PG_INSTALL = """
CREATE OR REPLACE FUNCTION cases_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'cases_event is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER cases_event_no_update BEFORE UPDATE ON cases_event
    FOR EACH ROW EXECUTE FUNCTION cases_event_append_only();
CREATE TRIGGER cases_event_no_delete BEFORE DELETE ON cases_event
    FOR EACH ROW EXECUTE FUNCTION cases_event_append_only();
"""
PG_REMOVE = """
DROP TRIGGER IF EXISTS cases_event_no_update ON cases_event;
DROP TRIGGER IF EXISTS cases_event_no_delete ON cases_event;
DROP FUNCTION IF EXISTS cases_event_append_only();
"""
SQLITE_INSTALL = [
    """CREATE TRIGGER cases_event_no_update BEFORE UPDATE ON cases_event
       BEGIN SELECT RAISE(ABORT, 'cases_event is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER cases_event_no_delete BEFORE DELETE ON cases_event
       WHEN NOT riskcase_flush_in_progress()
       BEGIN SELECT RAISE(ABORT, 'cases_event is append-only: DELETE refused'); END;""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS cases_event_no_update;",
    "DROP TRIGGER IF EXISTS cases_event_no_delete;",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_INSTALL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"no append-only triggers for {vendor}")


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REMOVE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REMOVE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_events_and_workflows")]
    operations = [migrations.RunPython(install, remove)]
