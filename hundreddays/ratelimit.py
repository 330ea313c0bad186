"""A rate limit on every write: 429 with the time to wait, counted in the shared cache.

One boundary, the middleware below, in front of every POST (PUT, PATCH, DELETE) to the
project's views: entries, rounds, the import, the account and its deletion, the language
switch. allauth's views (sign-in, sign-up, password and email changes) have allauth's own
limits (``ACCOUNT_RATE_LIMITS``) and the admin is for staff, so both are left out.

Each write counts against every rate of its action (``RATE_LIMITS``, from the environment):
per signed-in user and per client address, the address derived exactly as allauth derives
it for the sign-in limits (``DJANGO_TRUSTED_PROXY_COUNT``). Counters are fixed windows in the
shared cache (``cache.add`` then ``cache.incr``: atomic in Redis), so every worker and every
web container sees the same count, and a window's end is the time to wait.

The limiter fails open: when the cache raises, the write goes through (with a warning in the
log). Refusing every write because the cache is down would be worse than not counting.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from hundreddays.env import parse_rates

logger = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def action_for(match) -> str | None:
    """Which limit a write to this view counts against; None for views limited elsewhere."""
    if match is None or match.namespace == "admin":
        return None
    if getattr(match.func, "__module__", "").startswith("allauth."):
        return None
    if match.route.startswith("api/"):
        return None  # the API limits each token itself (api/ratelimit), in problem+json
    return "import" if match.view_name == "journal:import" else "write"


def client_address(request) -> str:
    """The client's address as allauth's sign-in limits see it; IPv6 counted per /64."""
    from allauth.account.adapter import get_adapter

    try:
        address = get_adapter().get_client_ip(request)
    except Exception:  # an X-Forwarded-For shorter than DJANGO_TRUSTED_PROXY_COUNT says
        address = None
    address = address or request.META.get("REMOTE_ADDR") or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def seconds_to_wait(request, action: str, now: float | None = None) -> int:
    """Count this write; 0 when it may go on, else the seconds until the window that refused it ends."""
    now = time.time() if now is None else now
    wait = 0.0
    counted = []
    user = getattr(request, "user", None)
    for rate in parse_rates(settings.RATE_LIMITS.get(action, "")):
        if rate.per == "user":
            if user is None or not user.is_authenticated:
                continue
            who = f"user:{user.pk}"
        else:
            who = f"ip:{client_address(request)}"
        window = int(now // rate.seconds)
        key = f"ratelimit:{action}:{rate}:{who}:{window}"
        cache.add(key, 0, timeout=rate.seconds + 1)
        counted.append(key)
        if cache.incr(key) > rate.amount:
            wait = max(wait, (window + 1) * rate.seconds - now)
    if wait:
        # A refused write uses none of the allowance: hammering keeps a client at its limit,
        # and a write refused on the shared address does not count against the user too.
        for key in counted:
            cache.decr(key)
    return math.ceil(wait)


def too_many(request, seconds: int):
    response = render(request, "429.html", {"retry_after": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class WriteRateLimitMiddleware:
    """Counts each write before its view runs; 429 with Retry-After past a limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in SAFE_METHODS:
            return None
        action = action_for(request.resolver_match)
        if action is None:
            return None
        try:
            wait = seconds_to_wait(request, action)
        except Exception:
            # Fail open: a cache outage must not refuse every write (nor answer 500).
            logger.warning("rate limit not counted: the cache is unavailable", exc_info=True)
            return None
        return too_many(request, wait) if wait else None
