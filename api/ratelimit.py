"""The API's own request limit, per token, counted in the shared cache.

A fixed one-minute window: reads and writes have separate budgets (settings
API_READS_PER_MINUTE and API_WRITES_PER_MINUTE). A cache that errors lets the
request through (fail open): an outage of the cache must not stop the API.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger("api")
WINDOW = 60


def check(token_id: int, kind: str, now: float | None = None) -> int | None:
    """None when the request may go on, else the seconds to wait (for Retry-After)."""
    limit = settings.API_WRITES_PER_MINUTE if kind == "write" else settings.API_READS_PER_MINUTE
    if not limit:
        return None
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    key = f"hd:api:rl:{kind}:{token_id}:{window}"
    try:
        # incr() first: the common case (the window's counter exists) costs one call.
        try:
            count = cache.incr(key)
        except ValueError:  # the first request of the window: add() creates it with its expiry
            count = 1 if cache.add(key, 1, WINDOW + 5) else cache.incr(key)
    except Exception:  # any cache failure: let the request through
        logger.warning("API rate limit skipped: the cache did not answer", exc_info=True)
        return None
    if count > limit:
        return max(1, int((window + 1) * WINDOW - now) + 1)
    return None
