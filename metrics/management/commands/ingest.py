"""manage.py ingest FILE... [--rejects OUT.jsonl] (data contract section 6)."""
import os
import sys

import orjson
from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError

from metrics.ingest import IngestReport, ingest_lines
from metrics.progress import track

SHOWN_ERRORS = 20


def _progress(stream, tracker):
    """on_progress for ingest_lines: the lines read since the last call, and the bytes when the stream can tell
    its position (a file; not a pipe)."""
    seekable = stream.seekable()
    position = stream.tell() if seekable else 0

    def advance(lines):
        nonlocal position
        now = stream.tell() if seekable else position
        tracker.advance(now - position, items=lines)
        position = now

    return advance


class Command(BaseCommand):
    help = "Ingest trade facts from JSON Lines files ('-' for stdin). Exits 1 if any line was rejected."
    # The checks that bear on storing facts (the database's version and role, the models), not the whole site's:
    # loading every URL configuration and view to check them was a third of the start-up of a command that a
    # platform may run every few minutes. `manage.py check` and `make serve` still run them all.
    requires_system_checks = [Tags.compatibility, Tags.models, Tags.security]

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--rejects", metavar="OUT.jsonl",
                            help="write each rejected line with its line number and reason here")

    def handle(self, *args, files, rejects, **options):
        rejects_file = open(rejects, "wb") if rejects else None
        shown = 0

        def on_reject(record):
            nonlocal shown
            if rejects_file:
                rejects_file.write(orjson.dumps(record) + b"\n")
            if shown < SHOWN_ERRORS:
                self.stderr.write(f"{record['source']}:{record['line']}: {record['reason']}")
            shown += 1

        total = IngestReport(keep_errors=0)
        try:
            for path in files:
                report = IngestReport(keep_errors=0)
                stream = sys.stdin.buffer if path == "-" else self._open(path)
                size = None if path == "-" else os.fstat(stream.fileno()).st_size
                try:
                    with track(f"ingest {os.path.basename(path)}", total=size, unit="lines",
                               stream=self.stderr._out) as tracker:
                        ingest_lines(stream, source=path, report=report, on_reject=on_reject,
                                     on_progress=_progress(stream, tracker))
                finally:
                    if path != "-":
                        stream.close()
                self.stdout.write(f"{path}: {self._counts(report)}")
                for name in ("new", "duplicate", "conflicting", "superseded", "bad"):
                    setattr(total, name, getattr(total, name) + getattr(report, name))
        finally:
            if rejects_file:
                rejects_file.close()
        if len(files) > 1:
            self.stdout.write(f"total: {self._counts(total)}")
        if shown > SHOWN_ERRORS:
            self.stderr.write(f"... and {shown - SHOWN_ERRORS} more rejected lines"
                              + (f" (all in {rejects})" if rejects else " (use --rejects to keep them all)"))
        if total.rejected:
            sys.exit(1)

    @staticmethod
    def _open(path):
        try:
            return open(path, "rb")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None

    @staticmethod
    def _counts(report):
        return (f"{report.new} new, {report.duplicate} duplicate, {report.conflicting} conflicting, "
                f"{report.bad} bad, {report.superseded} superseded merchant updates")
