"""manage.py demo: synthetic trade data, the nightly pipeline, and a readable report."""
import time
from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cases.report import at_risk_lines, render
from enforcement.report import penalty_lines
from metrics.ingest import ingest_lines
from metrics.management.commands._dates import iso_day
from metrics.models import RecomputeRun
from metrics.synthetic import Plan, generate
from metrics.tasks import nightly_pipeline


class Command(BaseCommand):
    help = "Generate a synthetic month of trade facts, run the nightly pipeline, and print the report."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=iso_day, help="the night to simulate (default: yesterday)")
        parser.add_argument("--merchants", type=int, default=36)
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, as_of, merchants, days, seed, **options):
        as_of = as_of or timezone.localdate() - timedelta(days=1)
        call_command("migrate", verbosity=0)
        self.stdout.write(f"1. Generating {days} days of trade facts for {merchants} merchants up to {as_of} ...")
        plan = Plan(merchants=merchants, days=days, as_of=as_of, seed=seed)
        report = ingest_lines(generate(plan), source="synthetic")
        self.stdout.write(f"2. Ingested: {report.new} new facts, {report.duplicate} duplicates, "
                          f"{report.bad + report.conflicting} rejected.")
        self.stdout.write(f"3. Running the nightly pipeline as of {as_of} (metrics, then rules) ...")
        run_id = nightly_pipeline.delay(as_of=as_of.isoformat()).get(timeout=600)
        run = self._wait_for(run_id)
        self.stdout.write(f"   {run.rows} merchant-days from {run.start} to {run.as_of} over {run.shards} shards.\n")
        cases = at_risk_lines()
        self.stdout.write(f"   {sum(len(v) for v in cases.values())} open warnings and standing violations "
                          f"for {len(cases)} of {merchants} merchants.")
        penalties = penalty_lines()
        self.stdout.write(f"   {sum(len(v) for v in penalties.values())} penalties in force or awaiting a "
                          f"reviewer, for {len(penalties)} merchants.\n")
        for merchant_id, lines in penalties.items():
            cases.setdefault(merchant_id, []).extend(lines)
        self.stdout.write(render(as_of=as_of, days=30, cases_by_merchant=cases))
        self.stdout.write("4. Checking the audit trail: every hash chain, and replay against the projections ...")
        call_command("verify_audit", stdout=self.stdout)
        call_command("replay", verify=True, stdout=self.stdout)

    @staticmethod
    def _wait_for(run_id, timeout=600):
        """In-process the chord is done already; with real workers, wait for its callback."""
        deadline = time.monotonic() + timeout
        while (run := RecomputeRun.objects.get(pk=run_id)).finished_at is None:
            if time.monotonic() > deadline:
                raise CommandError(f"the pipeline run {run_id} did not finish within {timeout} s")
            time.sleep(0.5)
        return run
