"""manage.py export_metrics [--by product] --as-of A --start S --end E --out FILE.csv (data contract sections 4, 7)."""
import csv

from django.core.management.base import BaseCommand, CommandError

from metrics.cohorts import Grain, iter_cohort_rows

from ._dates import iso_day

COLUMNS = [
    "day", "paid_orders", "verified_orders", "complaints", "negative_reviews",
    "merchant_refunds", "complaint_rate", "negative_review_rate", "merchant_refund_rate", "stable",
]
HEADERS = {
    Grain.MERCHANT: ["merchant_id", *COLUMNS],
    Grain.PRODUCT: ["merchant_id", "product_id", *COLUMNS],
}


def _rate(value):
    return "" if value is None else f"{value:.6f}"


class Command(BaseCommand):
    help = ("Export the daily metrics as of A for days S..E, one row per merchant-day with orders "
            "(or per product-day with --by product).")

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=iso_day, required=True)
        parser.add_argument("--start", type=iso_day, required=True)
        parser.add_argument("--end", type=iso_day, required=True)
        parser.add_argument("--out", required=True, metavar="FILE.csv")
        parser.add_argument("--by", choices=[Grain.MERCHANT, Grain.PRODUCT], default=Grain.MERCHANT,
                            help="one row per merchant-day (default) or per product-day")

    def handle(self, *args, as_of, start, end, out, by, **options):
        if start > end:
            raise CommandError(f"--start {start} is after --end {end}")
        count = 0
        try:
            handle = open(out, "w", newline="", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror}") from None
        with handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(HEADERS[by])
            keys = (lambda row: [row.merchant_id, row.product_id]) if by == Grain.PRODUCT else (
                lambda row: [row.merchant_id])
            for row in iter_cohort_rows(as_of=as_of, start=start, end=end, grain=by):
                writer.writerow([
                    *keys(row), row.day.isoformat(), row.paid_orders, row.verified_orders,
                    row.complaints, row.negative_reviews, row.merchant_refunds,
                    _rate(row.complaint_rate), _rate(row.negative_review_rate),
                    _rate(row.merchant_refund_rate), "true" if row.stable else "false",
                ])
                count += 1
        self.stdout.write(f"{count} {by}-days written to {out}")
