"""`manage.py verify_audit`: check the event log; name the first broken event of each stream, every deleted
event it can prove, and every stream whose head does not match its projection."""
from django.core.management.base import BaseCommand

from eventstore.audit import run_checks, snapshot, verify_heads, verify_log
from eventstore.models import Event


class Command(BaseCommand):
    help = ("Check the event log: the hash chain of every stream, the link from each event to the one before "
            "it (a deleted event), and each stream's last version against its projection; exit 1 and name "
            "what is broken. --files also checks each evidence file against the SHA-256 in its event.")

    def add_arguments(self, parser):
        parser.add_argument("--files", action="store_true", help="also check the stored evidence files")

    def handle(self, *args, files=False, **options):
        with snapshot():
            broken, gaps = verify_log()
            heads = verify_heads()
            streams = Event.objects.values("stream").distinct().count()
            events = Event.objects.count()
        problems = run_checks() if files else []
        for line in [*broken, *gaps, *heads, *problems]:
            self.stdout.write(f"BROKEN {line}")
        if broken:
            self.stderr.write(f"{len(broken)} stream(s) with a broken hash chain; "
                              f"first broken event #{broken[0].position}")
        if gaps:
            self.stderr.write(f"{len(gaps)} event(s) whose predecessor in the log is missing or not theirs")
        if heads:
            self.stderr.write(f"{len(heads)} stream head(s) that do not match their projection")
        if problems:
            self.stderr.write(f"{len(problems)} evidence file(s) missing or changed")
        if broken or gaps or heads or problems:
            raise SystemExit(1)
        self.stdout.write(f"all {streams} stream(s) intact ({events} events)"
                          + (", evidence files intact" if files else ""))
