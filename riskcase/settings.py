"""RiskCase settings: everything comes from the environment, with defaults that run the demo offline."""
import os
import sys
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
# The development key is public (it is in this file): anyone can forge sessions, CSRF tokens and password
# reset links signed with it. It is refused under RISKCASE_PRODUCTION=1 and under `make serve`
# (RISKCASE_SERVE=1), and anywhere else but the tests and the demo (RISKCASE_ALLOW_DEV_SECRET=1) every
# process that starts with it says so loudly on stderr.
DEVELOPMENT_SECRET_KEY = "riskcase-development-only-not-secret"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    if env_bool("RISKCASE_PRODUCTION"):
        raise ImproperlyConfigured("SECRET_KEY must be set in production (RISKCASE_PRODUCTION=1).")
    if env_bool("RISKCASE_SERVE"):
        raise ImproperlyConfigured(
            "make serve refuses the public development SECRET_KEY: set SECRET_KEY to a long random secret, "
            "e.g. SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')\" make serve")
    if not DEBUG and os.environ.get("RISKCASE_ALLOW_DEV_SECRET", "").strip().lower() in {"0", "false", "no", "off"}:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if not env_bool("RISKCASE_ALLOW_DEV_SECRET") and "pytest" not in sys.modules:
        sys.stderr.write(
            "\n" + "!" * 78 + "\n!! WARNING: RiskCase is running with the PUBLIC development SECRET_KEY.\n"
            "!! Sessions, CSRF tokens and signed links can be forged by anyone. Set SECRET_KEY (or, for the\n"
            "!! demo and tests only, RISKCASE_ALLOW_DEV_SECRET=1 to silence this).\n" + "!" * 78 + "\n\n")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

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
    "axes",
    "riskcase.ops",
    "metrics",
    "cases",
    "enforcement",
    "accounts",
    "portal",
    "notifications",
    "merchant_api",
    "merchant_web",
    "review_api",
]

MIDDLEWARE = [
    # First, so that every response and every log line of a request carries its id.
    "riskcase.ops.requestid.RequestIdMiddleware",
    # A NUL anywhere in the request is a 400 before it can reach a query (riskcase/ops/badinput.py).
    "riskcase.ops.badinput.RejectNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The restrictions endpoint's success answered here, without the static files, session, locale, CSRF,
    # auth, messages and DRF layers it does not use; anything else goes on (enforcement/api/fastpath.py).
    "enforcement.api.fastpath.RestrictionsFastPathMiddleware",
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
    # Last, as django-axes asks: turns a locked-out login into its 429 answer (riskcase/security.py).
    "axes.middleware.AxesMiddleware",
]

# Failed logins on every login form (merchant pages, admin, the API's auth/login/) are counted per
# client address in the database by django-axes: after AXES_FAILURE_LIMIT failures, that address
# is refused for AXES_COOLOFF_TIME. Counted in PostgreSQL, not Redis, so a cache outage opens nothing.
AUTHENTICATION_BACKENDS = [
    "riskcase.security.LoginLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("RISKCASE_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("RISKCASE_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "riskcase.security.client_ip"
AXES_LOCKOUT_CALLABLE = "riskcase.security.lockout_response"
AXES_VERBOSE = False
# Addresses or networks (comma-separated, e.g. 10.0.0.5,10.1.0.0/16) of the proxies in front of gunicorn
# whose X-Forwarded-For is believed; none by default, so the peer's address is the client's.
RISKCASE_TRUSTED_PROXIES = [p for p in os.environ.get("RISKCASE_TRUSTED_PROXIES", "").split(",") if p.strip()]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
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
                "notifications.context_processors.unread",
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

# Redis is a cache and a broker, never the only way to answer a read: every client gets short socket
# timeouts (a paused Redis costs a request this long, not minutes), and the restrictions cache and the
# throttles fall back (riskcase/ops/redisguard.py keeps Redis out of the path for the breaker's seconds).
RISKCASE_REDIS_SOCKET_TIMEOUT = float(os.environ.get("RISKCASE_REDIS_SOCKET_TIMEOUT", "0.25"))
RISKCASE_REDIS_BREAKER_SECONDS = float(os.environ.get("RISKCASE_REDIS_BREAKER_SECONDS", "5"))
# How often beat repairs the restrictions cache (enforcement/cache.py): the bound on a stale document
# after Redis comes back from an outage, with the breaker's seconds.
RISKCASE_RESTRICTIONS_RECONCILE_SECONDS = float(os.environ.get("RISKCASE_RESTRICTIONS_RECONCILE_SECONDS", "30"))

if REDIS_URL:
    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": RISKCASE_REDIS_SOCKET_TIMEOUT,
                    "socket_timeout": RISKCASE_REDIS_SOCKET_TIMEOUT},
    }}
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
# Deployment settings (README, "Workers"): a message is acknowledged when its task finished, and put back
# when the worker process running it died; each worker process reserves one message at a time (shards
# and the rule evaluation are long). A message whose worker vanished (killed main process, lost machine)
# stays invisible on Redis for the visibility timeout, then any worker takes it again; the hard time
# limit is below it, so a task is never delivered twice only for being slow.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
RISKCASE_CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("RISKCASE_CELERY_VISIBILITY_TIMEOUT", "900"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("RISKCASE_CELERY_TASK_TIME_LIMIT",
                                            str(max(RISKCASE_CELERY_VISIBILITY_TIMEOUT * 2 // 3, 1))))
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT - 60, CELERY_TASK_TIME_LIMIT * 9 // 10)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": RISKCASE_CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for such messages: every 10 s (Kombu's default is every 100 s).
    "unacked_restore_interval": max(1, min(10, RISKCASE_CELERY_VISIBILITY_TIMEOUT // 5)),
    "unacked_restore_throttle": 1,
    # Publishing on commit must not hang a request when Redis does not answer (riskcase/ops/enqueue.py).
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "connect_retries_timeout": 1,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": RISKCASE_CELERY_VISIBILITY_TIMEOUT}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_TIMEZONE = TIME_ZONE
# Beat's record of when each entry last ran (only the one beat process writes it).
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "nightly-recompute": {
        # 02:30 platform time, as of yesterday (the task's default).
        "task": "metrics.tasks.nightly_pipeline",
        "schedule": crontab(hour=2, minute=30),
    },
    "drop-expired-facts": {
        # After the nightly run: whole month partitions of facts older than RISKCASE_FACT_RETENTION_DAYS.
        "task": "metrics.tasks.drop_expired_facts",
        "schedule": crontab(hour=4, minute=15),
    },
    "uphold-lapsed-violations": {
        # Violations whose appeal window lapsed become upheld; idempotent, so hourly is harmless.
        "task": "cases.tasks.uphold_lapsed_violations",
        "schedule": crontab(minute=5),
    },
    # Enforcement: safety nets behind the on_commit triggers; each task is idempotent.
    # Safety net: every append queues a drain after its commit; this catches one lost with a broker outage.
    "eventstore-drain-consumers": {"task": "eventstore.tasks.drain_consumers", "schedule": 60.0},
    "enforcement-restep-merchants": {"task": "enforcement.tasks.restep_merchants",
                                     "schedule": crontab(hour=3, minute=15)},
    "enforcement-deliver-webhooks": {"task": "enforcement.tasks.deliver_webhooks", "schedule": 60.0},
    "enforcement-expire-penalties": {"task": "enforcement.tasks.expire_penalties", "schedule": 120.0},
    "enforcement-reconcile-restrictions": {
        "task": "enforcement.tasks.reconcile_restrictions", "schedule": RISKCASE_RESTRICTIONS_RECONCILE_SECONDS,
    },
    # Notifications: send what is due (retries included) and announce penalties ending within 3 days.
    "notifications-send": {"task": "notifications.tasks.send_notifications", "schedule": 60.0},
    "notifications-penalties-expiring": {"task": "notifications.tasks.notify_expiring_penalties",
                                         "schedule": crontab(minute=15)},
}

REST_FRAMEWORK = {
    # Merchants' API tokens (django-rest-knox); the platform's service endpoints set their own.
    "DEFAULT_AUTHENTICATION_CLASSES": ["riskcase.api.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # One error format everywhere: {"error": {"code", "message", "fields"}} (riskcase/api/exceptions.py).
    "EXCEPTION_HANDLER": "riskcase.api.exceptions.exception_handler",
    # Its page size is the class's own (50): with no PAGE_SIZE here, DRF's start-up check leaves the class (and
    # DRF's pagination module) unimported for the commands that serve no page, a tenth of a second of each.
    "DEFAULT_PAGINATION_CLASS": "riskcase.api.pagination.CursorPagination",
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
# PostgreSQL work_mem for each recompute shard's transaction and the rate rules' query (empty: the server's default).
RISKCASE_RECOMPUTE_WORK_MEM = os.environ.get("RISKCASE_RECOMPUTE_WORK_MEM", "256MB")
# Lines per ingest transaction. Each batch costs a few round trips per table (locks, partitions, the probe of
# stored ids, the commit): 25,000 halves them against 10,000 for about 30 MiB more at the peak (docs/benchmarks.md).
RISKCASE_INGEST_BATCH_SIZE = int(os.environ.get("RISKCASE_INGEST_BATCH_SIZE", "25000"))
# How many lines a fact on an order not stored yet waits in memory for its order to arrive, before it is stored
# under no merchant (moved to its merchant once the order comes: a costlier path). A feed shuffled within a day
# needs about a day's lines; the held facts are at most this many lines' worth, so memory stays bounded.
RISKCASE_INGEST_HOLD_LINES = int(os.environ.get("RISKCASE_INGEST_HOLD_LINES", "50000"))
# Precompiled reads (riskcase.lib.precompiled) as statements prepared once per PostgreSQL session; off behind a
# pooler that shares sessions between clients (PgBouncer in transaction mode).
RISKCASE_PREPARED_STATEMENTS = env_bool("RISKCASE_PREPARED_STATEMENTS", default=True)
# Days of trade facts kept (metrics/partitions.py): older month partitions are dropped nightly; a fact dated
# before the kept history is rejected by the ingest. 180 covers the related-entity rule's 180-day look-back.
RISKCASE_FACT_RETENTION_DAYS = int(os.environ.get("RISKCASE_FACT_RETENTION_DAYS", "180"))

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
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        # One summary line per long command (ingest, recompute) when no terminal shows a progress bar.
        "metrics.progress": {"level": "INFO"},
    },
}
# Test runs only: the events table is not serialized for transactional tests' rollback. It is append-only
# (restoring it would UPDATE stored events, which its triggers refuse) and Django's serializer keeps only
# milliseconds (restored events would break their hash chains); a flush empties it, as it always could.
TEST_NON_SERIALIZED_APPS = ["eventstore"]
# Steps the nightly pipeline runs after the metrics, in order (dotted callables taking as_of).
# (comma-separated in the environment; empty for none, as the benchmark's fan-out run does).
RISKCASE_AFTER_METRICS = [
    p for p in os.environ.get("RISKCASE_AFTER_METRICS", "cases.evaluation.rules_evaluate").split(",") if p.strip()
]

# Cases (issue 4): the appeal window from notification, the decision SLA, and evidence file limits.
RISKCASE_APPEAL_WINDOW_DAYS = int(os.environ.get("RISKCASE_APPEAL_WINDOW_DAYS", "7"))
RISKCASE_APPEAL_SLA_DAYS = int(os.environ.get("RISKCASE_APPEAL_SLA_DAYS", "3"))
RISKCASE_EVIDENCE_MAX_BYTES = int(os.environ.get("RISKCASE_EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024)))
# Seconds a verified service token is remembered per process (revocations reach other processes this late).
RISKCASE_SERVICE_TOKEN_CACHE_SECONDS = float(os.environ.get("RISKCASE_SERVICE_TOKEN_CACHE_SECONDS", "5"))
RISKCASE_SERVICE_TOKEN_ROTATION_OVERLAP_HOURS = int(os.environ.get("RISKCASE_SERVICE_TOKEN_ROTATION_OVERLAP_HOURS", "24"))
# Statements of reasons: merchants are pseudonymised with a keyed HMAC; the key (and so the mapping) stays here.
RISKCASE_PSEUDONYM_KEY = os.environ.get("RISKCASE_PSEUDONYM_KEY", "")
# Webhooks (enforcement/webhooks.py): the first retry delay in seconds, doubling on every failure up to
# 10 minutes; a delivery is dead after this many attempts or this many hours; each request's timeout.
RISKCASE_WEBHOOK_BACKOFF_SECONDS = float(os.environ.get("RISKCASE_WEBHOOK_BACKOFF_SECONDS", "1"))
RISKCASE_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("RISKCASE_WEBHOOK_MAX_ATTEMPTS", "20"))
RISKCASE_WEBHOOK_MAX_AGE_HOURS = float(os.environ.get("RISKCASE_WEBHOOK_MAX_AGE_HOURS", "24"))
RISKCASE_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("RISKCASE_WEBHOOK_TIMEOUT_SECONDS", "5"))
# Networks (comma-separated CIDRs) webhook URLs may point into besides public addresses; none by default,
# so an endpoint can never reach the metadata service, loopback or the internal network.
RISKCASE_WEBHOOK_ALLOWED_NETWORKS = [
    n for n in os.environ.get("RISKCASE_WEBHOOK_ALLOWED_NETWORKS", "").split(",") if n.strip()]

# Readiness (/healthz/ready) and the alert rules in the README: the nightly run is overdue when none finished
# for this many hours; a consumer is stuck when this many events behind the head of the event store.
RISKCASE_NIGHTLY_OVERDUE_HOURS = float(os.environ.get("RISKCASE_NIGHTLY_OVERDUE_HOURS", "26"))
RISKCASE_CONSUMER_LAG_ALERT = int(os.environ.get("RISKCASE_CONSUMER_LAG_ALERT", "1000"))

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
    SECURE_REDIRECT_EXEMPT = [r"^healthz(/ready)?$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    X_FRAME_OPTIONS = "DENY"
# Origins (scheme included) trusted for unsafe requests beyond the site's own, e.g. https://ops.example.com.
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Notifications to merchants (notifications/): e-mail through Django's SMTP backend, SMS and app push through
# HTTP gateways (notifications/backends.py), deliveries retried with backoff then listed as failed in admin.
RISKCASE_SITE_URL = os.environ.get("RISKCASE_SITE_URL", "http://127.0.0.1:8000")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") in ("1", "true", "yes", "on")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "RiskCase <noreply@riskcase.local>")
RISKCASE_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("RISKCASE_NOTIFY_MAX_ATTEMPTS", "8"))
RISKCASE_NOTIFY_BACKOFF_SECONDS = float(os.environ.get("RISKCASE_NOTIFY_BACKOFF_SECONDS", "30"))
RISKCASE_NOTIFY_LEASE_SECONDS = float(os.environ.get("RISKCASE_NOTIFY_LEASE_SECONDS", "120"))
RISKCASE_NOTIFY_BACKENDS = {
    channel: {"BACKEND": "notifications.backends.HttpGatewayBackend", "URL": url,
              "TOKEN": os.environ.get(f"RISKCASE_{channel.upper()}_GATEWAY_TOKEN", "")}
    for channel in ("sms", "push") if (url := os.environ.get(f"RISKCASE_{channel.upper()}_GATEWAY_URL"))
}
