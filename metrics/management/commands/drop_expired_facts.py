"""manage.py drop_expired_facts [--as-of A] [--keep-days N]: fact retention (metrics/partitions.py)."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from metrics.partitions import drop_expired_facts
from metrics.recompute import yesterday

from ._dates import iso_day


class Command(BaseCommand):
    help = ("Drop the trade facts older than the kept history (whole month partitions on PostgreSQL); later "
            "facts dated before it are rejected by the ingest.")

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=iso_day, help="as-of day (default: yesterday)")
        parser.add_argument("--keep-days", type=int, default=settings.RISKCASE_FACT_RETENTION_DAYS,
                            help="days of history to keep, ending at the as-of day (default: %(default)s)")

    def handle(self, *args, as_of, keep_days, **options):
        if keep_days < 1:
            raise CommandError("--keep-days must be at least 1")
        kept_from, dropped = drop_expired_facts(as_of=as_of or yesterday(), keep_days=keep_days)
        what = ", ".join(f"{table}: {n}" for table, n in dropped.items()) or "nothing new to drop"
        self.stdout.write(f"facts kept from {kept_from} ({what})")
