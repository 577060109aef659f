"""manage.py recompute --as-of A [--start S]: the nightly pipeline, run in this process."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from metrics.pipeline import after_metrics_as_of
from metrics.progress import track
from metrics.recompute import recompute, yesterday

from ._dates import iso_day


class Command(BaseCommand):
    help = ("Recompute the daily metrics (by default the days that can still change) and evaluate "
            "every rule as of A: the same code the nightly Celery task runs.")

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=iso_day, help="as-of day (default: yesterday)")
        parser.add_argument("--start", type=iso_day, help="first day to recompute (default: A-7)")
        parser.add_argument("--shards", type=int,
                            help="merchant shards, run one after another (default: 1, or on a terminal "
                                 "RISKCASE_RECOMPUTE_SHARDS so the progress bar moves)")
        parser.add_argument("--metrics-only", action="store_true",
                            help="recompute the metrics without evaluating the rules (benchmarks)")

    def handle(self, *args, as_of, start, shards, metrics_only, **options):
        as_of = as_of or yesterday()
        if start and start > as_of:
            raise CommandError(f"--start {start} is after --as-of {as_of}")
        shards = shards or (settings.RISKCASE_RECOMPUTE_SHARDS if self.stderr.isatty() else 1)
        with track(f"recompute as of {as_of}", total=shards, unit="merchant-days",
                   stream=self.stderr._out) as tracker:
            start, rows = recompute(as_of=as_of, start=start, shards=shards,
                                    on_shard=lambda done, total, rows: tracker.advance(1, items=rows, total=total))
        self.stdout.write(f"metrics as of {as_of}: {rows} merchant-days from {start} to {as_of}")
        if not metrics_only:
            after_metrics_as_of(as_of, report=self.stdout.write)
