"""manage.py create_service_token NAME --scope S [--scope S ...] [--expires-in-days N] [--rotate]:
a token for a platform system, printed once."""
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from metrics.authentication import forget_verified_tokens
from metrics.models import ServiceScope, ServiceToken


class Command(BaseCommand):
    help = ("Create (or rotate) a service token for a platform system and print it once. "
            f"Scopes: {', '.join(ServiceScope.values)}.")

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scope", action="append", dest="scopes", default=[], choices=ServiceScope.values,
                            help="a scope the token carries (repeat for several); required for a new token")
        parser.add_argument("--expires-in-days", type=int, default=None)
        parser.add_argument("--rotate", action="store_true",
                            help="issue a successor of the active token NAME (same scopes); the old one keeps "
                                 "working for RISKCASE_SERVICE_TOKEN_ROTATION_OVERLAP_HOURS")

    def handle(self, *args, name, scopes, expires_in_days, rotate, **options):
        now = timezone.now()
        active = [t for t in ServiceToken.objects.filter(name=name, revoked_at__isnull=True) if t.is_valid(now)]
        if rotate:
            if len(active) != 1:
                raise CommandError(f"rotate needs exactly one active token named {name!r}; found {len(active)}")
            overlap = timedelta(hours=getattr(settings, "RISKCASE_SERVICE_TOKEN_ROTATION_OVERLAP_HOURS", 24))
            _, raw = active[0].rotate(overlap=overlap, now=now)
            forget_verified_tokens()
            self.stdout.write(raw)
            return
        if active:
            raise CommandError(f"an active service token named {name!r} exists already (use --rotate)")
        if not scopes:
            raise CommandError(f"give at least one --scope ({', '.join(ServiceScope.values)})")
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be at least 1")
        expires = None if expires_in_days is None else now + timedelta(days=expires_in_days)
        _, raw = ServiceToken.issue(name, scopes=scopes, expires_at=expires)
        self.stdout.write(raw)
