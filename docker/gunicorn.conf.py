"""Gunicorn settings for the image, read from the environment (the README's Configuration lists each).

A bad value stops the start with one line, like Django's own settings do.
"""

import math
import os
import sys
from pathlib import Path

from gunicorn import glogging

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from hundreddays import logfmt  # noqa: E402 - needs the project on sys.path


def _int(name, default, minimum, maximum):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        sys.exit(f"Configuration error: {name} must be a whole number, not {raw!r}.")
    if not minimum <= value <= maximum:
        sys.exit(f"Configuration error: {name} must be between {minimum} and {maximum}, not {value}.")
    return value


def _cpus():
    """CPUs this container may use: its cgroup quota (docker --cpus) if any, else its CPU set."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            return max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return len(os.sched_getaffinity(0))


wsgi_app = "hundreddays.wsgi:application"
chdir = str(PROJECT)
bind = [os.environ.get("GUNICORN_BIND", "").strip() or f"0.0.0.0:{_int('PORT', 8000, 1, 65535)}"]

# 2 × CPUs + 1, capped at 8: each worker (× threads) holds a database connection, and
# Postgres allows 100 by default for every web container together.
workers = _int("GUNICORN_WORKERS", min(2 * _cpus() + 1, 8), 1, 64)
# Sync workers by default, chosen by measurement (docs/performance.md, "Worker model"): without recycling
# they serve as many requests a second as gthread (GUNICORN_THREADS=2) within the noise of
# `make bench`, and a reload (HUP) resets none of their connections, where gthread resets
# the kept-alive ones (`make reliability`: 10 failed requests out of 1,373). Behind the
# HTTPS proxy, which does not keep connections to gunicorn alive by default, gthread's one
# advantage, keep-alive, is gone anyway.
threads = _int("GUNICORN_THREADS", 1, 1, 32)
timeout = _int("GUNICORN_TIMEOUT", 30, 5, 600)
# Finish the requests in flight on SIGTERM; below compose's stop_grace_period (30 s).
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20, 1, 600)
keepalive = _int("GUNICORN_KEEPALIVE", 5, 0, 300)
# No recycling by default, also by measurement: a worker's memory stays flat (about 70 MB
# after a full `make bench`; the pages it keeps are capped at 32 MB), and recycling every
# thousand requests cost a Django start-up and the kept pages each time, which showed as
# a slower ceiling and 400 ms tails. GUNICORN_MAX_REQUESTS=1000 turns it back on (staggered
# by the jitter).
max_requests = _int("GUNICORN_MAX_REQUESTS", 0, 0, 1_000_000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100, 0, 1_000_000)
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"  # the heartbeat files stay off a possibly read-only disk

# X-Forwarded-Proto (hence https) is believed only from these addresses: the proxy in front.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1").strip()

loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info").strip().lower()
if loglevel not in ("debug", "info", "warning", "error", "critical"):
    sys.exit(
        f"Configuration error: GUNICORN_LOG_LEVEL must be debug, info, warning or error, not {loglevel!r}."
    )
accesslog = "-"
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"logfmt": {"()": logfmt.LogfmtFormatter}},
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "formatter": "logfmt", "stream": "ext://sys.stdout"}
    },
    "root": {"level": "WARNING", "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
    },
}


class AccessLogger(glogging.Logger):
    """One line per request: who, what path (never the query string), status, size, time."""

    def access(self, resp, req, environ, request_time):
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        remote = environ.get("REMOTE_ADDR", "-")
        fields = [
            ("remote", remote),
            ("method", environ.get("REQUEST_METHOD", "-")),
            # The raw path as sent (percent-encoded); a query string may carry a token, so not logged.
            ("path", environ.get("RAW_URI", "-").split("?", 1)[0]),
            ("status", status),
            ("bytes", getattr(resp, "sent", None) or 0),
            ("duration_ms", f"{request_time.total_seconds() * 1000:.1f}"),
            ("ua", environ.get("HTTP_USER_AGENT", "-")),
        ]
        if "HTTP_X_FORWARDED_FOR" in environ and remote in self.cfg.forwarded_allow_ips:
            fields.insert(1, ("forwarded_for", environ["HTTP_X_FORWARDED_FOR"]))
        self.access_log.info("request", extra={"logfmt": fields})


logger_class = AccessLogger


def on_starting(server):
    """Report a bad Django setting in one line before any worker boots (not a traceback per worker)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hundreddays.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings module now
    except ImproperlyConfigured as error:
        server.log.error(f"Configuration error: {error}")
        sys.exit(1)
