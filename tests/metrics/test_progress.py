"""Long commands show a progress bar with the rate and the time left on a terminal, and only log a summary
line when their output is not one (a cron job, CI)."""
import io
import logging

import pytest
from django.core.management import call_command

from metrics import progress
from tests.conftest import to_line
from tests.factories import OrderPaidLine


class Terminal(io.StringIO):
    def isatty(self):
        return True


def _facts_file(tmp_path, count=12):
    path = tmp_path / "facts.jsonl"
    path.write_text("".join(to_line(OrderPaidLine(merchant_id=f"m-{i % 3}")) + "\n" for i in range(count)))
    return path


def test_ingest_on_a_terminal_draws_a_bar_with_rate_and_time_left(db, tmp_path):
    terminal = Terminal()

    call_command("ingest", str(_facts_file(tmp_path)), stdout=io.StringIO(), stderr=terminal)

    drawn = terminal.getvalue()
    assert "━" in drawn and "100%" in drawn
    assert "12 lines" in drawn and "/s)" in drawn and "left" in drawn


def test_ingest_without_a_terminal_draws_nothing_and_logs_one_summary(db, tmp_path, caplog):
    errors = io.StringIO()
    with caplog.at_level(logging.INFO, logger="metrics.progress"):
        call_command("ingest", str(_facts_file(tmp_path)), stdout=io.StringIO(), stderr=errors)

    assert errors.getvalue() == ""
    assert [r.getMessage().split(" in ")[0] for r in caplog.records] == [
        "ingest facts.jsonl: 12 lines"]


def test_recompute_on_a_terminal_draws_a_bar_over_the_shards(db, tmp_path, metrics_only):
    call_command("ingest", str(_facts_file(tmp_path)), stdout=io.StringIO())
    terminal = Terminal()

    call_command("recompute", "--as-of", "2026-06-20", "--start", "2026-06-01", "--metrics-only",
                 stdout=io.StringIO(), stderr=terminal)

    drawn = terminal.getvalue()
    assert "━" in drawn and "100%" in drawn and "1 merchant-days" not in drawn
    assert "3 merchant-days" in drawn


def test_ingest_reports_its_progress_once_a_batch_bad_and_blank_lines_included(db, tmp_path, settings,
                                                                                monkeypatch):
    settings.RISKCASE_INGEST_BATCH_SIZE = 5
    path = _facts_file(tmp_path)
    path.write_text(path.read_text() + "{bad\n\n" + to_line(OrderPaidLine()) + "\n")  # 15 lines, 13 facts
    advanced = []
    original = progress._Tracker.advance

    def record(tracker, amount, items=0, total=None):
        advanced.append((amount, items))
        original(tracker, amount, items=items, total=total)

    monkeypatch.setattr(progress._Tracker, "advance", record)
    with pytest.raises(SystemExit):  # the bad line
        call_command("ingest", str(path), stdout=io.StringIO(), stderr=io.StringIO())

    assert [items for _, items in advanced] == [5, 5, 5]  # a batch is 5 facts: lines 1-5, 6-10, then 11-15
    assert sum(amount for amount, _ in advanced) == path.stat().st_size
