"""`manage.py replay --verify | --rebuild`: rebuild every projection from the event log."""
from django.core.management.base import BaseCommand, CommandError

from eventstore.replay import ReplayError, compare, projection_models, replace
from eventstore.replay import rebuild as rebuild_projections


class Command(BaseCommand):
    help = ("Rebuild every projection (cases, penalties, restrictions, reference data) from the events; "
            "--verify reports differences, --rebuild replaces.")

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--verify", action="store_true", help="compare a scratch rebuild with the live tables")
        mode.add_argument("--rebuild", action="store_true", help="replace the live tables with the rebuild")
        parser.add_argument("--limit", type=int, default=50, help="differences to print at most")

    def handle(self, *args, verify, rebuild, limit, **options):
        try:
            rebuilt = rebuild_projections()
        except ReplayError as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{len(rebuilt.get(m, {}))} {m._meta.verbose_name_plural}" for m in projection_models())
        if rebuild:
            replace(rebuilt)
            self.stdout.write(f"rebuilt from the events: {counts}")
            return
        differences = compare(rebuilt)
        for difference in differences[:limit]:
            self.stdout.write(str(difference))
        if differences:
            self.stderr.write(f"{len(differences)} difference(s) between the events and the live tables")
            raise SystemExit(1)
        self.stdout.write(f"projections match the events: {counts}")
