"""Trade-fact ingestion (data contract section 1): parse, validate, and write in batches.

`ingest_lines` is the one code path behind `manage.py ingest` and `POST /api/v1/ingest/`.
"""
from .service import IngestReport, ingest_lines

__all__ = ["IngestReport", "ingest_lines"]
