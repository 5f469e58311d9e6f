"""Per-client limits on public forms (the survey's open link, the relative's contact request), counted per hour.

A `Limit` names its app and what it counts, and the setting with the allowance per hour. The cache key holds
a keyed hash of the client's address and the hour, never the address itself. Behind reverse proxies
(DJANGO_PROXY_COUNT > 0) the client is read from X-Forwarded-For as the outermost proxy saw it, by
portal.clients.client_address, as the login throttling does.
"""

import contextlib
import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from .clients import client_address

PERIOD_SECONDS = 60 * 60


@dataclass(frozen=True)
class Limit:
    app: str  # whose limit: "surveys", "contacts"
    name: str  # what it counts: "open", "miss", "request"
    setting: str  # the setting with the allowance per hour
    default: int

    @property
    def allowed(self) -> int:
        return int(getattr(settings, self.setting, self.default))


def client_digest(address: str) -> str:
    """A keyed hash of a client's address: the address itself is never kept."""
    return hmac.new(settings.SECRET_KEY.encode(), b"rate-client:" + address.encode(), hashlib.sha256).hexdigest()[:32]


def _key(limit: Limit, request) -> str:
    window = int(time.time() // PERIOD_SECONDS)
    client = client_digest(client_address(request) or "unknown")
    return f"{limit.app}:rate:{limit.name}:{client}:{window}"


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
