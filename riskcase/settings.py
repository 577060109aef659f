"""RiskCase settings: everything comes from the environment, with defaults that run the demo offline."""
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("RISKCASE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", default=False)
# Production (RISKCASE_PRODUCTION=1): HTTPS behind a proxy, secure cookies, HSTS, and no start without
# SECRET_KEY and ALLOWED_HOSTS; see the end of this file. Off for the demo, the tests and development.
RISKCASE_PRODUCTION = env_bool("RISKCASE_PRODUCTION")
if RISKCASE_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production (RISKCASE_PRODUCTION=1).")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("RISKCASE_PRODUCTION"):
        raise ImproperlyConfigured("SECRET_KEY must be set in production (RISKCASE_PRODUCTION=1).")
    if not DEBUG and not env_bool("RISKCASE_ALLOW_DEV_SECRET", default=True):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: a fixed key so the demo and tests run with nothing configured.
    SECRET_KEY = "riskcase-development-only-not-secret"

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "knox",
    "riskcase",  # the whole-system commands (demo)
    "eventstore",
    "metrics",
    "cases",
    "enforcement",
    "accounts",
    "merchant_api",
    "merchant_web",
    "review_api",
]

MIDDLEWARE = [
    # First, so that every response and every log line of a request carries its id.
    "riskcase.ops.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from gunicorn, before sessions and the rest (WhiteNoise's documented place).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # The merchants' pages are in Simplified Chinese until the user picks a language.
    "merchant_web.middleware.ChineseByDefaultMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "riskcase.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]
WSGI_APPLICATION = "riskcase.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'riskcase.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work beside the one writer; the timeout waits for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# The platform time zone: a "day" in every metric is a calendar day here (data contract section 2).
TIME_ZONE = os.environ.get("RISKCASE_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns at start-up about a missing folder
# WhiteNoise serves what collectstatic gathered (no CDN, nothing to configure in the proxy). In production
# the names are hashed (cached for ever by browsers) with compressed copies; elsewhere plain names, so
# tests and development need no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if RISKCASE_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
MEDIA_ROOT = Path(os.environ.get("RISKCASE_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"

REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with REDIS_URL, a real broker and result backend; without, tasks run in-process (demo only).
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Beat's record of when each entry last ran (only the one beat process writes it).
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "nightly-recompute": {
        # 02:30 platform time, as of yesterday (the task's default).
        "task": "metrics.tasks.nightly_pipeline",
        "schedule": crontab(hour=2, minute=30),
    },
    "uphold-lapsed-violations": {
        # Violations whose appeal window lapsed become upheld; idempotent, so hourly is harmless.
        "task": "cases.tasks.uphold_lapsed_violations",
        "schedule": crontab(minute=5),
    },
    # Enforcement: safety nets behind the on_commit triggers; each task is idempotent.
    # Safety net: every append queues a drain after its commit; this catches one lost with a broker outage.
    "eventstore-drain-consumers": {"task": "eventstore.tasks.drain_consumers", "schedule": 60.0},
    "enforcement-deliver-webhooks": {"task": "enforcement.tasks.deliver_webhooks", "schedule": 60.0},
    "enforcement-expire-penalties": {"task": "enforcement.tasks.expire_penalties", "schedule": 120.0},
}

REST_FRAMEWORK = {
    # Merchants' API tokens (django-rest-knox); the platform's service endpoints set their own.
    "DEFAULT_AUTHENTICATION_CLASSES": ["knox.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # One error format everywhere: {"error": {"code", "message", "fields"}} (riskcase/api/exceptions.py).
    "EXCEPTION_HANDLER": "riskcase.api.exceptions.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "riskcase.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["riskcase.api.filters.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "riskcase.api.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["riskcase.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("RISKCASE_API_TOKEN_RATE", "600/min"),  # per merchant API token
        "login": os.environ.get("RISKCASE_API_LOGIN_RATE", "10/min"),   # per client address
    },
}
# Merchant API tokens: stored only as hashes, expire after the TTL, revoked by logout (or deleted in admin).
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=int(os.environ.get("RISKCASE_API_TOKEN_TTL_HOURS", "12"))),
    "TOKEN_LIMIT_PER_USER": int(os.environ.get("RISKCASE_API_TOKENS_PER_USER", "10")),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RiskCase API",
    "DESCRIPTION": (
        "Risk diagnosis (风险诊断) for a merchant's staff: log in at /api/v1/auth/login/ and send "
        "`Authorization: Token <token>`. Errors: {\"error\": {\"code\", \"message\", \"fields\"}}; "
        "messages in English or Simplified Chinese by Accept-Language. Reviewers log in at "
        "/api/v1/review/auth/login/ for their own token (operations marked `x-reviewer`); the platform's "
        "systems send `Authorization: Bearer <service token>` carrying the operation's `x-service-scope`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "riskcase.api.schema.text_has_no_nul_characters"],
    # Swagger UI from our own static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Warnings and violations both have a "state": name each enum after its own choices.
    "ENUM_NAME_OVERRIDES": {
        "WarningStateEnum": "cases.models.WarningState",
        "ViolationStateEnum": "cases.models.ViolationState",
        "RiskPointEnum": "cases.models.RiskPoint",
        "HandOpenedRiskPointEnum": ["public_opinion", "other"],
        "RateEnum": "review_api.serializers.RATE_CHOICES",
        "AppealDecisionEnum": "cases.models.AppealDecision",
        "PenaltyKindEnum": "enforcement.models.PenaltyKind",
    },
}

# Domain settings (data contract sections 1 and 5).
RISKCASE_CATEGORIES = [
    c for c in os.environ.get(
        "RISKCASE_CATEGORIES", "food,beauty,leisure,hotel_travel,life_services,retail"
    ).split(",") if c
]
# How many merchant shards the nightly recompute fans out over.
RISKCASE_RECOMPUTE_SHARDS = int(os.environ.get("RISKCASE_RECOMPUTE_SHARDS", "8"))
RISKCASE_INGEST_BATCH_SIZE = int(os.environ.get("RISKCASE_INGEST_BATCH_SIZE", "10000"))

# One JSON object a line on stderr, with the request id or the Celery task id (riskcase/ops/logs.py);
# LOG_FORMAT=text for plain lines while developing.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "riskcase.ops.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "riskcase.ops.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(task_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": "text" if os.environ.get("LOG_FORMAT", "json") == "text" else "json",
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # Django's default handlers print plain text (and mail admins): its records go to the root instead.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}
# Steps the nightly pipeline runs after the metrics, in order (dotted callables taking as_of).
RISKCASE_AFTER_METRICS = ["cases.evaluation.rules_evaluate"]
# Parameters of the count-based rules (data contract section 5); the rate rules read ThresholdVersion.
RISKCASE_RULE_PARAMETERS = {
    "clustered_complaints": {"window_days": 3, "warn_at": 5, "limit": 10},
    "service_not_provided": {"window_days": 7, "limit": 3},
    "related_entity": {"lookback_days": 180},
}

# Cases (issue 4): the appeal window from notification, the decision SLA, and evidence file limits.
RISKCASE_APPEAL_WINDOW_DAYS = int(os.environ.get("RISKCASE_APPEAL_WINDOW_DAYS", "7"))
RISKCASE_APPEAL_SLA_DAYS = int(os.environ.get("RISKCASE_APPEAL_SLA_DAYS", "3"))
RISKCASE_EVIDENCE_MAX_BYTES = int(os.environ.get("RISKCASE_EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024)))
# Seconds a verified service token is remembered per process (revocations reach other processes this late).
RISKCASE_SERVICE_TOKEN_CACHE_SECONDS = float(os.environ.get("RISKCASE_SERVICE_TOKEN_CACHE_SECONDS", "5"))
RISKCASE_SERVICE_TOKEN_ROTATION_OVERLAP_HOURS = int(os.environ.get("RISKCASE_SERVICE_TOKEN_ROTATION_OVERLAP_HOURS", "24"))
# Statements of reasons: merchants are pseudonymised with a keyed HMAC; the key (and so the mapping) stays here.
RISKCASE_PSEUDONYM_KEY = os.environ.get("RISKCASE_PSEUDONYM_KEY", "")
# First webhook retry delay in seconds; it doubles on every failure, up to 10 minutes.
RISKCASE_WEBHOOK_BACKOFF_SECONDS = float(os.environ.get("RISKCASE_WEBHOOK_BACKOFF_SECONDS", "1"))

# Production: `manage.py check --deploy` passes with these. TLS ends at a proxy in front of gunicorn,
# which must set (overwrite) X-Forwarded-Proto; gunicorn itself listens on loopback only.
if RISKCASE_PRODUCTION:
    if not os.environ.get("ALLOWED_HOSTS"):
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must be set in production (RISKCASE_PRODUCTION=1): the site's host names, comma-separated."
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    X_FRAME_OPTIONS = "DENY"
# Origins (scheme included) trusted for unsafe requests beyond the site's own, e.g. https://ops.example.com.
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
