"""`verify_audit` checks every stream's hash chain and names the first broken event."""
import io

import pytest
from django.core.management import call_command
from django.db import connection

from eventstore.store import append

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
    # The log also holds the shipped reference data's events: 18 thresholds, 6 rule parameters, 1 policy.
    assert "all 27 stream(s) intact (29 events)" in output


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


def test_a_changed_or_missing_evidence_file_is_found_with_files(record_violation, media_root):
    from django.core.files.base import ContentFile

    from cases import services
    from eventstore.actors import Actor

    violation = record_violation()
    services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant("m-1"), statement="Not us.",
                           files=[ContentFile(b"%PDF-1.4 original", name="a.pdf"), ContentFile(b"%PDF-1.4 other", name="b.pdf")])
    out = io.StringIO()
    call_command("verify_audit", "--files", stdout=out)
    assert "evidence files intact" in out.getvalue()
    first, second = violation.appeal.evidence.order_by("name")
    (media_root / first.file.name).write_bytes(b"forged")
    (media_root / second.file.name).unlink()
    code, output = _verify_with("--files")
    assert code == 1
    assert f"{first.file.name} (a.pdf) was changed" in output
    assert f"{second.file.name} (b.pdf) is missing" in output


def _verify_with(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
        return 0, out.getvalue()
    except SystemExit as exit_:
        return exit_.code, out.getvalue() + err.getvalue()
