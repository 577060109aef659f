"""manage.py create_service_token NAME: a token for the platform's systems (shown once)."""
from django.core.management.base import BaseCommand, CommandError

from metrics.models import ServiceToken


class Command(BaseCommand):
    help = "Create a service token for a platform system (ingest, restrictions). Prints it once."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        if ServiceToken.objects.filter(name=name).exists():
            raise CommandError(f"a service token named {name!r} exists already")
        _, raw = ServiceToken.issue(name)
        self.stdout.write(raw)
