"""A database migrated from the schema before reference data was event-sourced (shipped defaults without
events, a threshold version added by the old service with its dict-built event, a policy step edited in
place) gets an event for every version and replays to identical rows. Runs `manage.py` on a scratch
SQLite file, as an operator would."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BEFORE = [("cases", "0006_event_store_moved"), ("enforcement", "0005_penalty_fsm_and_lift_cause")]
OLD_WRITES = """
import json
import uuid
from datetime import date
from decimal import Decimal
from cases.models import ThresholdVersion
from enforcement.models import PolicyStep
from eventstore.models import event_hash
from django.db import connection, transaction
from django.utils import timezone
with transaction.atomic():
    version = ThresholdVersion.objects.create(category="food", risk_point="complaint_rate", limit=Decimal("0.04"),
                                              warn_at=Decimal("0.032"), effective_from=date(2026, 7, 1), note="old")
    # The event as the old store wrote it: the columns of that schema, hash scheme 1 (before eventstore 0002).
    now = timezone.now()
    event = dict(stream="threshold:food:complaint_rate", version=1, type="threshold.version_added", data={
        "v": 1, "threshold_version_id": version.pk, "category": "food", "risk_point": "complaint_rate",
        "limit": "0.04", "warn_at": "0.032", "window_days": 30, "min_orders": 30, "effective_from": "2026-07-01",
        "note": "old"}, metadata={"actor_kind": "system", "actor_id": None, "correlation_id": uuid.uuid4().hex,
        "causation_id": None}, occurred_at=now, prev_hash="")
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_event (stream, version, type, data, metadata, occurred_at, recorded_at, prev_hash,"
            " hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [event["stream"], 1, event["type"], json.dumps(event["data"]), json.dumps(event["metadata"]), at, at, "",
             event_hash(**event)])
PolicyStep.objects.filter(number=2).update(duration_days=21)  # edited in place in the old admin
"""


def _manage(database_url, *args):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # Celery in-process, as `make demo`
    env["DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture
def scratch_postgres():
    """An empty database beside the test database, on the same PostgreSQL server (dropped afterwards)."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_migration"[:63]
    server = {"host": db["HOST"] or None, "port": db["PORT"] or None, "user": db["USER"] or None,
              "password": db["PASSWORD"] or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    user = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    yield f"postgres://{user}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_database_migrated_from_the_previous_schema_replays_to_identical_rows(tmp_path):
    _migrate_the_previous_schema_and_replay(f"sqlite:///{tmp_path / 'before.sqlite3'}")


@pytest.mark.postgres
def test_a_postgresql_database_migrated_from_the_previous_schema_replays_to_identical_rows(scratch_postgres):
    _migrate_the_previous_schema_and_replay(scratch_postgres)


def _migrate_the_previous_schema_and_replay(database):
    for app, migration in BEFORE:
        assert _manage(database, "migrate", app, migration, "-v0").returncode == 0
    written = _manage(database, "shell", "-c", OLD_WRITES)
    assert written.returncode == 0, written.stderr
    before = _manage(database, "replay", "--verify")
    assert before.returncode == 1  # the defaults have no events yet

    migrated = _manage(database, "migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    replayed = _manage(database, "replay", "--verify")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    for count in ("19 threshold versions", "6 rule parameters versions", "1 penalty policy versions",
                  "5 policy steps"):
        assert count in replayed.stdout
    audit = _manage(database, "verify_audit")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    # The events written before eventstore 0002 were marked scheme 1 by its column default, not rewritten;
    # an event appended now is scheme 2 and links to the last of them.
    appended = _manage(database, "shell", "-c", (
        "from eventstore.store import append; from eventstore.models import Event;"
        "e = append('ledger-1', 'thing.happened', {'v': 1});"
        "print(sorted(set(Event.objects.exclude(pk=e.position).values_list('hash_scheme', flat=True))),"
        " Event.objects.get(pk=e.position).hash_scheme,"
        " Event.objects.get(pk=e.position).prev_position == Event.objects.exclude(pk=e.position).latest('pk').pk)"))
    assert appended.returncode == 0, appended.stderr
    assert appended.stdout.strip().splitlines()[-1] == "[1] 2 True"
    audit = _manage(database, "verify_audit")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    counts = _manage(database, "shell", "-c", (
        "from eventstore.models import Event; from enforcement.models import PolicyStep;"
        "print(Event.objects.filter(type='threshold.version_added').count(),"
        " Event.objects.filter(stream='threshold:food:complaint_rate').count(),"
        " [s['duration_days'] for s in Event.objects.get(type='policy.version_added').data['steps']])"))
    assert counts.stdout.strip().splitlines()[-1] == "19 2 [7, 21, 30, 60, None]"  # the old service's event kept, once
