"""`make bench`: ingest, recompute and export throughput on PostgreSQL, against a hand-written baseline."""
