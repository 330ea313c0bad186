"""Small, strict readers for settings that come from the environment.

A malformed value is an error at start-up, never a silent default:
``DJANGO_DEBUG=maybe`` stops the process with one clear line.
"""

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=""):
    return os.environ.get(name, default).strip()


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}.")


def env_int(name, default, *, minimum=None, maximum=None):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}, not {value}.")
    return value


def env_list(name, default=()):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_origins(name):
    """A comma-separated list of origins such as ``https://example.com``."""
    origins = env_list(name)
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise ImproperlyConfigured(f"{name} must list origins like https://example.com, not {origin!r}.")
    return origins


def env_choice(name, default, choices):
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def env_url_path(name, default):
    """A URL prefix like ``admin/``: no leading slash, one trailing slash."""
    value = env_str(name, default).strip("/")
    if not value or any(c in value for c in " ?#:") or ".." in value:
        raise ImproperlyConfigured(f"{name} must be a path like 'admin/', not {value!r}.")
    return value + "/"


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])/(user|ip)$")


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int
    per: str  # "user" or "ip"

    def __str__(self):
        return f"{self.amount}/{self.seconds}s/{self.per}"


def parse_rates(spec: str, name: str = "A rate limit") -> list[Rate]:
    """``"10/10s/user,120/m/ip"`` → rates (amount per [n] s/m/h/d, per user or client address).

    ``"off"`` or nothing → no rate. A malformed value is one clear line.
    """
    spec = (spec or "").strip()
    if spec.lower() in ("", "off"):
        return []
    rates = []
    for part in spec.split(","):
        match = _RATE.match(part.strip())
        if not match or int(match[1]) < 1 or match[2] == "0":
            raise ImproperlyConfigured(
                f"{name} must be off or rates like 10/10s/user,120/m/ip (amount/[n]unit/user|ip), not {spec!r}."
            )
        rates.append(Rate(int(match[1]), int(match[2] or 1) * _UNITS[match[3]], match[4]))
    return rates


def env_rates(name, default):
    """A rate limit setting (see :func:`parse_rates`), checked at start-up, kept as written."""
    value = env_str(name, default)
    parse_rates(value, name)
    return value
