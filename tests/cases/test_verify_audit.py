"""`verify_audit` checks every stream's hash chain and names the first broken event."""
import io

import pytest
from django.core.management import call_command
from django.db import connection

from cases.eventstore import append

pytestmark = pytest.mark.django_db

TRIGGERS = ("cases_event_no_update", "cases_event_no_delete")


def _tamper(sql, params):
    """Change the log behind the triggers' back (as a DBA could); the test's transaction restores them."""
    with connection.cursor() as cursor:
        for trigger in TRIGGERS:
            cursor.execute(f"DROP TRIGGER {trigger} ON cases_event" if connection.vendor == "postgresql"
                           else f"DROP TRIGGER {trigger}")
        cursor.execute(sql, params)


def _verify():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue() + err.getvalue()


@pytest.fixture
def log():
    events = [append("violation-1", "thing.happened", {"v": 1, "n": n}) for n in range(3)]
    events.append(append("warning-2", "thing.happened", {"v": 1, "n": 9}))
    return events


def test_an_intact_log_passes(log):
    code, output = _verify()
    assert code == 0
    assert "all 2 stream(s) intact (4 events)" in output


def test_a_changed_payload_is_named_as_the_first_broken_event(log):
    _tamper("UPDATE cases_event SET data = %s WHERE id = %s", ['{"v": 1, "n": 100}', log[1].position])
    code, output = _verify()
    assert code == 1
    assert f"BROKEN event #{log[1].position} (violation-1@2): hash does not match" in output
    assert "warning-2" not in output


def test_a_changed_payload_with_a_recomputed_hash_breaks_the_next_link(log):
    _tamper("UPDATE cases_event SET data = %s, hash = %s WHERE id = %s",
            ['{"v": 1, "n": 100}', "0" * 64, log[0].position])
    code, output = _verify()
    assert code == 1
    assert f"event #{log[0].position}" in output


def test_a_deleted_event_leaves_a_gap_that_is_named(log):
    _tamper("DELETE FROM cases_event WHERE id = %s", [log[1].position])
    code, output = _verify()
    assert code == 1
    assert f"BROKEN event #{log[2].position} (violation-1@3): version 3 follows 1" in output
