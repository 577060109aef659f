"""manage.py export_metrics --as-of A --start S --end E --out FILE.csv (data contract section 4)."""
import csv

from django.core.management.base import BaseCommand, CommandError

from metrics.cohorts import iter_cohort_rows

from ._dates import iso_day

HEADER = [
    "merchant_id", "day", "paid_orders", "verified_orders", "complaints", "negative_reviews",
    "merchant_refunds", "complaint_rate", "negative_review_rate", "merchant_refund_rate", "stable",
]


def _rate(value):
    return "" if value is None else f"{value:.6f}"


class Command(BaseCommand):
    help = "Export the daily metrics as of A for days S..E, one row per merchant-day with orders."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=iso_day, required=True)
        parser.add_argument("--start", type=iso_day, required=True)
        parser.add_argument("--end", type=iso_day, required=True)
        parser.add_argument("--out", required=True, metavar="FILE.csv")

    def handle(self, *args, as_of, start, end, out, **options):
        if start > end:
            raise CommandError(f"--start {start} is after --end {end}")
        count = 0
        try:
            handle = open(out, "w", newline="", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror}") from None
        with handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(HEADER)
            for row in iter_cohort_rows(as_of=as_of, start=start, end=end):
                writer.writerow([
                    row.merchant_id, row.day.isoformat(), row.paid_orders, row.verified_orders,
                    row.complaints, row.negative_reviews, row.merchant_refunds,
                    _rate(row.complaint_rate), _rate(row.negative_review_rate),
                    _rate(row.merchant_refund_rate), "true" if row.stable else "false",
                ])
                count += 1
        self.stdout.write(f"{count} merchant-days written to {out}")
