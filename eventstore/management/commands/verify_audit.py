"""`manage.py verify_audit`: check every stream's hash chain; name the first broken event."""
from django.core.management.base import BaseCommand

from eventstore.audit import run_checks, verify_chains
from eventstore.models import Event


class Command(BaseCommand):
    help = ("Check the hash chain of every event stream; exit 1 and name the first broken event of each "
            "broken stream. --files also checks each evidence file against the SHA-256 in its event.")

    def add_arguments(self, parser):
        parser.add_argument("--files", action="store_true", help="also check the stored evidence files")

    def handle(self, *args, files=False, **options):
        broken = verify_chains()
        for link in broken:
            self.stdout.write(f"BROKEN {link}")
        problems = run_checks() if files else []
        for problem in problems:
            self.stdout.write(f"BROKEN {problem}")
        if broken or problems:
            if broken:
                self.stderr.write(f"{len(broken)} stream(s) with a broken hash chain; "
                                  f"first broken event #{broken[0].position}")
            if problems:
                self.stderr.write(f"{len(problems)} evidence file(s) missing or changed")
            raise SystemExit(1)
        streams = Event.objects.values("stream").distinct().count()
        self.stdout.write(f"all {streams} stream(s) intact ({Event.objects.count()} events)"
                          + (", evidence files intact" if files else ""))
