"""manage.py export_statements --since D --until D [--format jsonl|csv] [--out FILE]: the statements of
reasons of the decisions taken on those days (inclusive), built from the events, merchants pseudonymised."""
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from enforcement import statements

MAX_DAYS = 366


def _day(value):
    import argparse

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a day (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Export statements of reasons (DSA Transparency Database shape) as JSON Lines (default) or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_day, required=True, help="first day (YYYY-MM-DD), inclusive")
        parser.add_argument("--until", type=_day, required=True, help="last day (YYYY-MM-DD), inclusive")
        parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        parser.add_argument("--out", help="file to write (standard output by default)")

    def handle(self, *args, since, until, format, out, **options):
        if since > until:
            raise CommandError(f"--since {since} is after --until {until}")
        if (until - since).days >= MAX_DAYS:
            raise CommandError(f"export at most {MAX_DAYS} days at a time")
        rows = statements.statements(since=since, until=until)
        write = statements.as_csv if format == "csv" else statements.as_jsonl
        if out:
            with open(out, "w", encoding="utf-8", newline="") as handle:
                write(rows, handle)
            self.stderr.write(f"{len(rows)} statements written to {out}")
        else:
            write(rows, self.stdout if self.stdout else sys.stdout)
