"""manage.py generate_trade_data --out FILE.jsonl: synthetic trade facts (demo, benchmark)."""
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from metrics.synthetic import Plan, generate

from ._dates import iso_day


class Command(BaseCommand):
    help = "Write deterministic synthetic trade facts (JSON Lines) for the demo or the benchmark."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, metavar="FILE.jsonl")
        parser.add_argument("--merchants", type=int, default=36)
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--orders-per-day", type=int, default=20)
        parser.add_argument("--as-of", type=iso_day, help="last day of data (default: yesterday)")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, out, merchants, days, orders_per_day, as_of, seed, **options):
        plan = Plan(merchants=merchants, days=days, orders_per_day=orders_per_day,
                    as_of=as_of or timezone.localdate() - timedelta(days=1), seed=seed,
                    zone=settings.TIME_ZONE)
        lines = 0
        with open(out, "wb") as handle:
            for line in generate(plan):
                handle.write(line)
                lines += 1
        self.stdout.write(f"{lines} lines for {merchants} merchants x {days} days written to {out}")
