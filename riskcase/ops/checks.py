"""System checks an operator sees in `manage.py check`, which `make serve` runs before starting anything."""
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.db import connection


def connected_as_superuser():
    """True when the application's PostgreSQL role is a superuser (None when not PostgreSQL or unreachable)."""
    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
    except Exception:  # no database yet: other checks and the first query will say so
        return None
    return bool(row and row[0])


@register("security")
def database_role(app_configs=None, **kwargs):
    if not connected_as_superuser():
        return []
    return [Warning(
        "The application connects to PostgreSQL as a superuser.",
        hint="A superuser can disable the triggers that keep the event log append-only and bypass every "
             "grant. Create an application role without SUPERUSER or TRUNCATE rights (README, "
             "'The database role') and put it in DATABASE_URL.",
        id="riskcase.W001",
    )]


# The recompute writes the metric tables with MERGE (metrics.cohorts), which PostgreSQL has since 15.
MINIMUM_POSTGRESQL = 150000


@register("compatibility")
def postgresql_version(app_configs=None, **kwargs):
    if connection.vendor != "postgresql":
        return []
    try:
        version = connection.pg_version
    except Exception:  # no database yet: other checks and the first query will say so
        return []
    if version >= MINIMUM_POSTGRESQL:
        return []
    return [Error(
        f"PostgreSQL {version // 10000} is too old: RiskCase needs PostgreSQL 15 or later.",
        hint="The nightly recompute writes the metric tables with MERGE (PostgreSQL 15). Upgrade the server.",
        id="riskcase.E001",
    )]


LOOPBACK = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


@register("security", deploy=True)
def site_url(app_configs=None, **kwargs):
    """In production the links in merchants' notifications must lead to the merchants' site over HTTPS, not to
    the development default (http://127.0.0.1:8000), which no merchant can open."""
    if not getattr(settings, "RISKCASE_PRODUCTION", False):
        return []
    url = urlsplit(settings.RISKCASE_SITE_URL or "")
    if url.scheme == "https" and url.hostname and url.hostname not in LOOPBACK:
        return []
    return [Warning(
        f"RISKCASE_SITE_URL is {settings.RISKCASE_SITE_URL!r}: the links in merchants' notifications would not "
        "reach them.",
        hint="Set RISKCASE_SITE_URL to the merchants' site as they reach it, e.g. https://merchant.example.com.",
        id="riskcase.W002",
    )]
