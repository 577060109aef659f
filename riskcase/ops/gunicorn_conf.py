"""gunicorn settings for `gunicorn riskcase.wsgi -c python:riskcase.ops.gunicorn_conf` (the Procfile's web
process): where to listen, how many workers, and every log line (access log included) as JSON."""
import os

from gunicorn import glogging

from riskcase.ops.logs import JsonFormatter

# Loopback by default: a TLS-terminating proxy (nginx, a load balancer) sits in front and sets
# X-Forwarded-Proto, which Django trusts under RISKCASE_PRODUCTION. Never expose this port directly.
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# A worker is replaced after this many requests (with jitter), so a slow leak never grows for long.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# The workers' heartbeat files, on tmpfs where there is one: a slow disk must not make a worker look hung.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or ("/dev/shm" if os.path.isdir("/dev/shm") else None)



def post_worker_init(worker):
    """Load the URLconf (every view and serializer) now, then move everything loaded so far out of the garbage
    collector's sight (gc.freeze): a full collection otherwise walks Django's ~130,000 long-lived objects, a
    pause of tens of milliseconds in some request, which showed in the API's p99."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the views
    gc.collect()
    gc.freeze()


accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# The access log leaves out the probes that succeed: a load balancer asks every few seconds.
QUIET_PATHS = {"/healthz"}


class JsonLogger(glogging.Logger):
    """gunicorn's logger with JSON lines: the error log through our formatter, and one structured
    record a request in the access log (with the request id the app put in X-Request-ID)."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):
        if not self.cfg.accesslog:
            return
        try:
            atoms = self.atoms(resp, req, environ, request_time)
            status = int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"]
            if atoms["U"] in QUIET_PATHS and status == 200:
                return
            self.access_log.info(
                "%s %s %s", atoms["m"], atoms["U"], status,
                extra={
                    "request_id": atoms.get("{x-request-id}o"),
                    "remote_addr": atoms["h"],
                    "method": atoms["m"],
                    "path": atoms["U"],
                    "query": atoms["q"] or "",
                    "protocol": atoms["H"],
                    "status": status,
                    "bytes": atoms["B"],
                    "duration_ms": round(atoms["D"] / 1000, 3),
                    "referer": None if atoms["f"] == "-" else atoms["f"],
                    "user_agent": None if atoms["a"] == "-" else atoms["a"],
                },
            )
        except Exception:
            self.exception("could not write the access log line")


logger_class = JsonLogger
