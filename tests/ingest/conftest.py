"""The ingest tests pin the metrics alone: no rule evaluation after a recompute."""
import pytest


@pytest.fixture(autouse=True)
def _metrics_only(metrics_only):
    return metrics_only
