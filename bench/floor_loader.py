"""The ingest's floor: `python -m bench.floor_loader FILE --database-url URL`.

A bare loader for the same file into the same (empty, migrated) tables: parse each line with orjson,
convert its timestamp to the instant and the platform day, keep the first line of each (type, id) (the
latest `occurred_at` of a merchant), give a fact on an order its order's merchant_id from a dict of the
orders read so far ('' when its order came later or never) and stream the rows into the tables with one COPY per table (one
connection each). No validation beyond what parsing needs, no conflict report, no late-fact record: what is
left when everything the contract asks of `ingest` beyond storing is taken away. Prints lines/s.
"""
import argparse
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import orjson
import psycopg

# fact type -> (table, id field, [(column, field)], [(instant column, day column, field)])
TABLES = {
    "order_paid": ("metrics_order", "order_id", ["merchant_id", "product_id", "amount_cents"],
                   [("paid_at", "paid_day")]),
    "order_verified": ("metrics_orderverification", "order_id", [], [("verified_at", "verified_day")]),
    "review_posted": ("metrics_review", "review_id", ["order_id", "rating", "text"], [("posted_at", "posted_day")]),
    "complaint_filed": ("metrics_complaint", "complaint_id", ["order_id", "reason", "text"],
                        [("filed_at", "filed_day")]),
    "refund_completed": ("metrics_refund", "refund_id", ["order_id", "responsibility", "amount_cents"],
                         [("refunded_at", "refunded_day")]),
}


def load(path, database_url, zone="Asia/Shanghai"):
    zone = ZoneInfo(zone)
    seen = {kind: set() for kind in TABLES}
    merchant_of = {}
    merchants = {}
    lines = 0
    with ExitStack() as stack:
        copies = {}
        for kind, (table, key, fields, stamps) in TABLES.items():
            conn = stack.enter_context(psycopg.connect(database_url))
            columns = [key, *fields, *(c for pair in stamps for c in pair)]
            if kind != "order_paid":
                columns.append("merchant_id")
            copies[kind] = stack.enter_context(conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN"))
        with open(path, "rb") as handle:
            for raw in handle:
                lines += 1
                obj = orjson.loads(raw)
                kind = obj["type"]
                if kind == "merchant_upserted":
                    current = merchants.get(obj["merchant_id"])
                    if current is None or obj["occurred_at"] > current["occurred_at"]:
                        merchants[obj["merchant_id"]] = obj
                    continue
                table, key, fields, stamps = TABLES[kind]
                ident = obj[key]
                if ident in seen[kind]:
                    continue
                seen[kind].add(ident)
                row = [ident, *(obj.get(f, "") for f in fields)]
                for instant, _day in stamps:
                    at = datetime.fromisoformat(obj[instant])
                    row += [at.astimezone(UTC), at.astimezone(zone).date()]
                if kind == "order_paid":
                    merchant_of[ident] = obj["merchant_id"]
                else:
                    row.append(merchant_of.get(obj["order_id"], ""))
                copies[kind].write_row(row)
    with psycopg.connect(database_url) as conn, conn.cursor().copy(
        "COPY metrics_merchant (merchant_id, name, category, entity_id, occurred_at) FROM STDIN"
    ) as copy:
        for m in merchants.values():
            copy.write_row([m["merchant_id"], m["name"], m["category"], m.get("entity_id", ""),
                            datetime.fromisoformat(m["occurred_at"])])
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--database-url", required=True)
    opts = parser.parse_args()
    started = time.perf_counter()
    lines = load(opts.file, opts.database_url)
    seconds = time.perf_counter() - started
    print(f"{lines} lines in {seconds:.2f} s = {lines / seconds:.0f} lines/s")


if __name__ == "__main__":
    sys.exit(main())
