"""Per-client limits on the public survey pages, counted in the cache per hour.

- Answers through a wave's open link: at most SURVEY_OPEN_LINK_ANSWERS_PER_HOUR (default 10) per
  client address, so one person cannot flood the open link (it also has a limit per wave).
- Unknown codes: at most SURVEY_CODE_MISSES_PER_HOUR (default 30) per client address, against guessing.

The cache key holds a keyed hash of the address and the hour, never the address itself. Behind
reverse proxies (DJANGO_PROXY_COUNT > 0) the client is read from X-Forwarded-For as the outermost proxy
saw it, by portal.clients.client_address, as the login throttling does.
"""

import contextlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from portal.clients import client_address

from .codes import client_digest

PERIOD_SECONDS = 60 * 60


@dataclass(frozen=True)
class Limit:
    name: str
    setting: str
    default: int

    @property
    def allowed(self) -> int:
        return int(getattr(settings, self.setting, self.default))


OPEN_LINK_ANSWERS = Limit("open", "SURVEY_OPEN_LINK_ANSWERS_PER_HOUR", 10)
CODE_MISSES = Limit("miss", "SURVEY_CODE_MISSES_PER_HOUR", 30)


def _key(limit: Limit, request) -> str:
    window = int(time.time() // PERIOD_SECONDS)
    client = client_digest(client_address(request) or "unknown")
    return f"surveys:rate:{limit.name}:{client}:{window}"


def used(limit: Limit, request) -> int:
    return cache.get(_key(limit, request), 0)


def exhausted(limit: Limit, request) -> bool:
    return used(limit, request) >= limit.allowed


def take(limit: Limit, request) -> str | None:
    """Count one use and return a receipt for `give_back`; None when the allowance is used up (the use is
    counted and at once given back).

    The cache adds atomically, so parallel requests that share a cache cannot together pass the limit. The
    default cache (LocMemCache) is each worker process's own, so there the limit holds per process; with
    REDIS_URL every process counts in the same place.
    """
    key = _key(limit, request)
    cache.add(key, 0, PERIOD_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 0, PERIOD_SECONDS)
        count = cache.incr(key)
    if count > limit.allowed:
        give_back(key)
        return None
    return key


def give_back(receipt: str | None) -> None:
    """Undo a `take` whose use did not happen (the answer was refused)."""
    if receipt is None:
        return
    with contextlib.suppress(ValueError):  # the hour is over and its count gone
        cache.decr(receipt)
