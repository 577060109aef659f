"""manage.py export_cases --out FILE.csv (data contract section 6): every warning and violation."""
import csv
import heapq

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models.functions import Collate

from cases.models import Violation, Warning

HEADER = ["kind", "merchant_id", "product_id", "risk_point", "window_start", "window_end", "value",
          "threshold", "state"]
COLUMNS = ("merchant_id", "risk_point", "window_end", "product_id", "window_start", "pk", "value", "threshold",
           "state")


def _number(value):
    return "" if value is None else f"{value:.6f}"


def _sorted_rows(model, kind):
    """(sort key, csv row) of one model, sorted in the database by code point like Python's str."""
    binary = {}
    if connection.vendor == "postgresql":  # SQLite compares text bytewise already
        binary = {"merchant_id": Collate("merchant_id", "C"), "risk_point": Collate("risk_point", "C"),
                  "product_id": Collate("product_id", "C")}
    order = [binary.get(name, name) for name in ("merchant_id", "risk_point", "window_end", "product_id",
                                                  "window_start", "pk")]
    rows = model.objects.order_by(*order).values_list(*COLUMNS).iterator(chunk_size=2000)
    for merchant_id, risk_point, window_end, product_id, window_start, pk, value, threshold, state in rows:
        key = (merchant_id, risk_point, kind, window_end, product_id, window_start, pk)
        yield key, [kind, merchant_id, product_id, risk_point, window_start.isoformat(), window_end.isoformat(),
                    _number(value), _number(threshold), state]


class Command(BaseCommand):
    help = ("Export every warning and violation, sorted by merchant_id, risk_point, kind, window_end "
            "(data contract section 6).")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, metavar="FILE.csv")

    def handle(self, *args, out, **options):
        try:
            handle = open(out, "w", newline="", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror}") from None
        count = 0
        with handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(HEADER)
            # Two streams each sorted by the database; merged, since kind sorts between risk_point and window_end.
            merged = heapq.merge(_sorted_rows(Violation, "violation"), _sorted_rows(Warning, "warning"),
                                 key=lambda item: item[0])
            for _, row in merged:
                writer.writerow(row)
                count += 1
        self.stdout.write(f"{count} cases written to {out}")
