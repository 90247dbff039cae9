"""gunicorn settings, auto-loaded from the working directory (WORKDIR /app in the image).

docs/runtime-contract.md: binds 0.0.0.0:8000; GUNICORN_WORKERS (2), GUNICORN_THREADS (4),
GUNICORN_TIMEOUT (seconds, 30). Command-line flags (e.g. --bind in tests) still win.
"""

import os

import decouple  # not `from decouple import config`: gunicorn reads every module-level name as a setting

from backend import gunicorn_errors as _gunicorn_errors

# gunicorn's own error answers (414, 400, 431...) in the API's JSON error shape.
_gunicorn_errors.install()

bind = ["0.0.0.0:8000"]
workers = decouple.config("GUNICORN_WORKERS", default=2, cast=int)
threads = decouple.config("GUNICORN_THREADS", default=4, cast=int)
worker_class = "gthread"
timeout = decouple.config("GUNICORN_TIMEOUT", default=30, cast=int)  # seconds a request may take
graceful_timeout = 30  # seconds to finish requests after SIGTERM (ECS stopTimeout default is 30)
# Longer than the ALB's 60 s idle timeout, so the ALB (not gunicorn) closes idle connections.
keepalive = 65
# The container only receives traffic from the ALB: trust its X-Forwarded-* headers.
forwarded_allow_ips = "*"
accesslog = "-"
# Never the query string (%(r)s, %(q)s) nor the referer: either may carry a token or health data.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = "info"
# gunicorn's own lines (error log, access log) as JSON on stdout, like the app's (settings.LOGGING).
_json_stdout = ["json_stdout"]
_environment = decouple.config("HEALTHKIT_ENVIRONMENT", default="") or decouple.config("DJANGO_ENV", default="dev")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "backend.jsonlog.JsonFormatter", "fields": {"environment": _environment}}},
    "handlers": {"json_stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
    "root": {"level": "INFO", "handlers": _json_stdout},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": _json_stdout, "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": _json_stdout, "propagate": False},
    },
}
# Heartbeat files of the workers on tmpfs (an overlay filesystem can stall them), where there is one.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
