"""`manage.py check` (run by `make serve` before it starts) warns when the application is connected to
PostgreSQL as a superuser, who could disable the append-only triggers."""
import pytest
from django.core.checks import run_checks

from riskcase.ops.checks import connected_as_superuser


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_superuser_connection_is_warned_about():
    assert connected_as_superuser() is True  # the tests connect as postgres
    warnings = [m for m in run_checks(tags=["security"]) if m.id == "riskcase.W001"]
    assert len(warnings) == 1
    assert "superuser" in warnings[0].msg


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_application_role_is_not_warned_about():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = 'riskcase_check_app'")
        if not cursor.fetchone():
            cursor.execute("CREATE ROLE riskcase_check_app NOLOGIN NOSUPERUSER")
        cursor.execute("SET ROLE riskcase_check_app")
        try:
            assert connected_as_superuser() is False
            assert not [m for m in run_checks(tags=["security"]) if m.id == "riskcase.W001"]
        finally:
            cursor.execute("RESET ROLE")


def _readme_role_sql(role, database):
    """The README's statements for the application role, for `role` on `database`."""
    import re

    from .conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("### The database role", 1)[1].split("```sql", 1)[1].split("```", 1)[0]
    block = block.replace("riskcase_app", role).replace("ON DATABASE riskcase ", f'ON DATABASE "{database}" ')
    block = re.sub(r"ALTER DEFAULT PRIVILEGES FOR ROLE riskcase_owner[^;]*;", "", block, flags=re.S)
    statements = [s.strip() for s in re.sub(r"--[^\n]*", "", block).split(";") if s.strip()]
    return statements


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_readme_application_role_can_append_but_not_delete_or_truncate_events():
    import psycopg
    from django.db import connection

    from eventstore.models import Event

    role, database = "riskcase_readme_app", connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
        for statement in _readme_role_sql(role, database):
            cursor.execute(statement)
    table = Event._meta.db_table
    settings = connection.settings_dict
    try:
        with psycopg.connect(host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432,
                             dbname=database, user=role, password="change-me") as app:
            with app.transaction():
                app.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")  # what an append takes
                app.execute(f"SELECT count(*) FROM {table}").fetchone()
            for statement in (f"DELETE FROM {table}", f"TRUNCATE {table}"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege), app.transaction():
                    app.execute(statement)
            assert app.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (False,)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_postgresql_older_than_15_stops_the_start(monkeypatch):
    from django.db import connections

    assert not [m for m in run_checks() if m.id == "riskcase.E001"]  # this server has MERGE
    monkeypatch.setattr(connections["default"], "pg_version", 140011)
    errors = [m for m in run_checks() if m.id == "riskcase.E001"]
    assert len(errors) == 1 and "PostgreSQL 14 is too old" in errors[0].msg
