"""Fixtures shared by the whole suite: pinned settings, service gates, and the user-facing outputs
(ingest a few JSON lines, export the CSV, read the stored DailyMetric rows).

Every transactional test (``django_db(transaction=True, ...)``) also sets ``serialized_rollback=True``:
the flush after it would otherwise take the rows the data migrations made (reviewer groups and their
permissions, the default thresholds and penalty policy) away from the tests that run after it."""
import csv
import io
import itertools
import os

import orjson
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from metrics.ingest import ingest_lines
from metrics.models import DailyMetric

# The browser the Playwright tests drive (Debian's package; .ci/run installs it).
CHROMIUM = "/usr/bin/chromium"
pytest_plugins = ["tests.celery_worker", "tests.own_redis"]

DEFAULT_CATEGORIES = ["food", "beauty", "leisure", "hotel_travel", "life_services", "retail"]


def _ci():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _service_missing(reason):
    """A missing service is skipped on a laptop, but fails under CI=true so it is never hidden."""
    if _ci():
        pytest.fail(f"service unavailable under CI=true: {reason}", pytrace=False)
    pytest.skip(f"service unavailable: {reason}")


def _redis_problem():
    url = django_settings.REDIS_URL
    if not url:
        return "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:  # any failure to reach the server means "unavailable"
        return f"Redis at {url} does not answer ({exc})"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            _service_missing(f"needs PostgreSQL, DATABASE_URL is {connection.vendor}")
    if item.get_closest_marker("redis"):
        problem = _redis_problem()
        if problem:
            _service_missing(problem)
    if item.get_closest_marker("browser") and not os.path.exists(CHROMIUM):
        _service_missing("chromium not found")


@pytest.fixture(autouse=True)
def platform_settings(settings):
    """Tests do not depend on the developer's environment: the contract's defaults, pinned."""
    settings.TIME_ZONE = "Asia/Shanghai"
    settings.RISKCASE_CATEGORIES = list(DEFAULT_CATEGORIES)
    settings.RISKCASE_INGEST_BATCH_SIZE = 2000
    settings.RISKCASE_RECOMPUTE_SHARDS = 4
    return settings


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Evidence files go to a fresh folder per test, so "nothing stored" can be checked on disk; the appeal
    window and SLA are the shipped defaults, whatever the environment says."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RISKCASE_APPEAL_WINDOW_DAYS = 7
    settings.RISKCASE_APPEAL_SLA_DAYS = 3
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def consumers_stay_in_the_test(monkeypatch):
    """Every append queues a drain of the consumers on commit (eventstore.store). With REDIS_URL that
    message would outlive the test on the broker, and a later test's worker would run it against that
    test's data; so it goes nowhere, and tests drain the consumers themselves. A test of the reaction
    itself undoes this (monkeypatch.delattr on drain_consumers' "delay" and "apply_async")."""
    from eventstore import tasks

    monkeypatch.setattr(tasks.drain_consumers, "delay", lambda *args, **kwargs: None)
    monkeypatch.setattr(tasks.drain_consumers, "apply_async", lambda *args, **kwargs: None)


@pytest.fixture(autouse=True)
def fresh_restrictions_cache():
    """Each test starts with no cached restrictions and a closed circuit breaker: positions restart with
    the test database, and a document cached by an earlier test would otherwise be served (or win)."""
    from enforcement import cache
    from riskcase.ops import redisguard

    redisguard.reset()
    cache.forget_all()
    yield
    redisguard.reset()


@pytest.fixture
def sql_as_written(settings):
    """Reads sent as their SQL, not as EXECUTEs of statements prepared earlier in the session
    (riskcase.lib.precompiled): for a test that reads the SQL the code sends."""
    settings.RISKCASE_PREPARED_STATEMENTS = False


@pytest.fixture
def metrics_only(settings):
    """Recompute the metrics without the steps hooked in after them (the rules, tested with cases)."""
    settings.RISKCASE_AFTER_METRICS = []
    return settings


def to_line(fact):
    """A dict as one JSON line; str and bytes are passed through untouched (for bad lines)."""
    if isinstance(fact, (str, bytes)):
        return fact
    return orjson.dumps(fact).decode()


@pytest.fixture
def ingest(db):
    """ingest(*facts, **kwargs): ingest dicts (or raw lines) through the one ingest code path."""

    def _ingest(*facts, **kwargs):
        return ingest_lines([to_line(f) for f in facts], **kwargs)

    return _ingest


_exports = itertools.count()


@pytest.fixture
def export_csv(tmp_path):
    """export_csv(as_of=..., start=..., end=...) -> the raw CSV text written by export_metrics."""

    def _export(*, as_of, start, end=None):
        out = tmp_path / f"metrics-{next(_exports)}.csv"
        call_command(
            "export_metrics", "--as-of", str(as_of), "--start", str(start), "--end", str(end or as_of),
            "--out", str(out), stdout=io.StringIO(),
        )
        return out.read_text(encoding="utf-8")

    return _export


@pytest.fixture
def export_rows(export_csv):
    """export_rows(...) -> {(merchant_id, day): row dict} as a user reads the export."""

    def _rows(**kwargs):
        reader = csv.DictReader(io.StringIO(export_csv(**kwargs)))
        return {(r["merchant_id"], r["day"]): r for r in reader}

    return _rows


def metric_snapshot():
    """Every stored DailyMetric row, as comparable tuples."""
    return [
        (m.merchant_id, m.day.isoformat(), m.paid_orders, m.verified_orders, m.complaints,
         m.negative_reviews, m.merchant_refunds, m.complaint_rate, m.negative_review_rate,
         m.merchant_refund_rate, m.stable, m.as_of.isoformat())
        for m in DailyMetric.objects.order_by("merchant_id", "day")
    ]


@pytest.fixture
def stored_metrics(db):
    """stored_metrics() -> every DailyMetric row as a comparable tuple, sorted by merchant and day."""
    return metric_snapshot


@pytest.fixture
def recompute_cmd(db):
    """recompute_cmd(as_of, start=None, shards=None): run `manage.py recompute`, return its output."""

    def _run(as_of, start=None, shards=None):
        args = ["--as-of", str(as_of)]
        if start:
            args += ["--start", str(start)]
        if shards:
            args += ["--shards", str(shards)]
        out = io.StringIO()
        call_command("recompute", *args, stdout=out)
        return out.getvalue()

    return _run
