"""`manage.py ingest FILE... [--rejects OUT.jsonl]` (contract section 6): prints the counts, writes every
bad line with its line number and reason, exits 1 if any line was rejected and 0 otherwise."""
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from django.core.management import CommandError, call_command

from metrics.models import Complaint, Order
from tests.factories import ComplaintFiledLine, OrderPaidLine


def _write(path, *lines):
    path.write_bytes(b"".join((line if isinstance(line, bytes) else orjson.dumps(line)) + b"\n" for line in lines))
    return path


def _run(*args):
    """Run the command; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ingest", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def _counts(text):
    return {name: int(n) for n, name in re.findall(r"(\d+) (new|duplicate|conflicting|bad)", text)}


def test_a_clean_file_prints_its_counts_and_exits_0(db, tmp_path):
    path = _write(tmp_path / "facts.jsonl", OrderPaidLine(order_id="o-1"), OrderPaidLine(order_id="o-2"),
                  OrderPaidLine(order_id="o-1"))

    code, out, _ = _run(str(path))

    assert code == 0
    assert _counts(out) == {"new": 2, "duplicate": 1, "conflicting": 0, "bad": 0}
    assert Order.objects.count() == 2


def test_any_rejected_line_exits_1_and_the_rest_is_ingested(db, tmp_path):
    path = _write(tmp_path / "facts.jsonl", OrderPaidLine(order_id="o-1"), b"{oops",
                  OrderPaidLine(order_id="o-1", amount_cents=1), ComplaintFiledLine(order_id="o-1"))

    code, out, err = _run(str(path))

    assert code == 1
    assert _counts(out) == {"new": 2, "duplicate": 0, "conflicting": 1, "bad": 1}
    assert (Order.objects.count(), Complaint.objects.count()) == (1, 1)
    assert "facts.jsonl:2" in err and "facts.jsonl:3" in err


def test_a_conflict_alone_exits_1(db, tmp_path):
    _run(str(_write(tmp_path / "a.jsonl", OrderPaidLine(order_id="o-1"))))

    code, out, _ = _run(str(_write(tmp_path / "b.jsonl", OrderPaidLine(order_id="o-1", amount_cents=5))))

    assert code == 1
    assert _counts(out)["conflicting"] == 1


def test_the_rejects_file_has_every_bad_line_with_its_number_and_reason(db, tmp_path):
    bad = [b"{oops", b'{"type": "order_paid"}', b"\xff\xfe", orjson.dumps(OrderPaidLine(order_id="o-1", amount_cents=3))]
    lines = [OrderPaidLine(order_id="o-1")]
    for line in bad:
        lines += [line, OrderPaidLine()]
    path = _write(tmp_path / "facts.jsonl", *lines)
    rejects = tmp_path / "rejects.jsonl"

    code, _, _ = _run(str(path), "--rejects", str(rejects))

    records = [orjson.loads(line) for line in rejects.read_bytes().splitlines()]
    assert code == 1
    assert [r["line"] for r in records] == [2, 4, 6, 8]
    assert all(r["reason"] for r in records)
    assert [r["text"] for r in records if r["line"] != 6] == [
        line.decode() for line in bad if not line.startswith(b"\xff")]
    assert "conflict" in records[3]["reason"]


def test_more_rejects_than_shown_are_all_in_the_rejects_file(db, tmp_path):
    path = _write(tmp_path / "facts.jsonl", *([b"{"] * 50), OrderPaidLine(order_id="o-1"))
    rejects = tmp_path / "rejects.jsonl"

    code, out, err = _run(str(path), "--rejects", str(rejects))

    assert code == 1
    assert len(rejects.read_bytes().splitlines()) == 50
    assert _counts(out)["bad"] == 50
    assert Order.objects.count() == 1


def test_a_dash_reads_standard_input(db, monkeypatch):
    data = orjson.dumps(OrderPaidLine(order_id="o-1")) + b"\n" + orjson.dumps(OrderPaidLine(order_id="o-2")) + b"\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))

    code, out, _ = _run("-")

    assert code == 0
    assert _counts(out)["new"] == 2
    assert Order.objects.count() == 2


def test_several_files_are_ingested_and_totalled(db, tmp_path):
    first = _write(tmp_path / "a.jsonl", OrderPaidLine(order_id="o-1"))
    second = _write(tmp_path / "b.jsonl", OrderPaidLine(order_id="o-1"), OrderPaidLine(order_id="o-2"))

    code, out, _ = _run(str(first), str(second))

    assert code == 0
    total = next(line for line in out.splitlines() if line.startswith("total"))
    assert _counts(total) == {"new": 2, "duplicate": 1, "conflicting": 0, "bad": 0}


def test_a_missing_file_is_a_clear_command_error(db, tmp_path):
    missing = tmp_path / "nope.jsonl"

    with pytest.raises(CommandError, match=re.escape(str(missing))):
        call_command("ingest", str(missing), stdout=io.StringIO(), stderr=io.StringIO())


def test_the_commands_start_up_checks_import_none_of_the_apis_paging():
    """A platform may run `ingest` every few minutes: its system checks (the database's version and role, the
    models) leave DRF's pagination, and all it imports, unloaded (a fifth of the command's start-up)."""
    code = ("import sys, django; django.setup(); from django.core import checks; "
            "from metrics.management.commands.ingest import Command; "
            "checks.run_checks(tags=Command.requires_system_checks); "
            "print([m for m in ('rest_framework.pagination', 'riskcase.api.pagination') if m in sys.modules])")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "riskcase.settings", "DATABASE_URL": "sqlite:///:memory:"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])

    assert done.stdout.strip() == "[]"
