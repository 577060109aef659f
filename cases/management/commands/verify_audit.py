"""`manage.py verify_audit`: check every stream's hash chain; name the first broken event."""
from django.core.management.base import BaseCommand

from cases.models import Event
from cases.replay import verify_chains


class Command(BaseCommand):
    help = "Check the hash chain of every event stream; exit 1 and name the first broken event of each broken stream."

    def handle(self, *args, **options):
        broken = verify_chains()
        for link in broken:
            self.stdout.write(f"BROKEN {link}")
        if broken:
            self.stderr.write(f"{len(broken)} stream(s) with a broken hash chain; first broken event #{broken[0].position}")
            raise SystemExit(1)
        streams = Event.objects.values("stream").distinct().count()
        self.stdout.write(f"all {streams} stream(s) intact ({Event.objects.count()} events)")
