"""Redis as the shared cache, such that a restart of Redis is not an error page.

The cache holds nothing that must not be lost (public pages, their versions, the survey's per-client counts): while
Redis does not answer, a read is a miss, a write is skipped, and a counter counts from 1, so the pages are made from
the database and the per-client limits let requests through for those seconds rather than refuse every relative.
Each such moment is logged as a warning; `/healthz` still reports the cache as down (503), so a load balancer or
monitor sees it. Django's own RedisCache otherwise, reconnecting by itself once Redis is back.
"""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
AWAY = (RedisConnectionError, RedisTimeoutError)


def _away(operation: str) -> None:
    logger.warning("The cache (Redis) did not answer; %s went without it", operation)


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client, with one redis.Redis per connection pool instead of a new one for every operation.

    Building a redis.Redis fills its table of 169 reply handlers: with redis-py 8 that was two thirds of the CPU
    of a cached page served from Redis. A redis.Redis is safe to share between threads, and its
    pool notices a fork and makes new connections.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except AWAY:
            _away("a read")
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except AWAY:
            _away("a read")
            return {}

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version=version)
        except AWAY:
            _away("a write")
            return None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version=version)
        except AWAY:
            _away("a write")
            return list(data)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version=version)
        except AWAY:
            _away("a write")
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except AWAY:
            _away("a count")
            return delta

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except AWAY:
            _away("a delete")
            return False

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version=version)
        except AWAY:
            _away("a write")
            return False
