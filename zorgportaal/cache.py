"""A Redis cache that treats an unreachable or hung Redis as an empty cache instead of an error.

Sessions are `cached_db`: the database holds every session, Redis only speeds reading them.
Django's RedisCache raises when Redis is down, and `cached_db` does not catch every call
(`load` writes the session back to the cache, `exists` asks the cache first), so every page
would answer 500. With this backend a read is a miss, a write is skipped, and one warning per
minute says so in the log; the app goes on with the database alone until Redis is back.

A hung Redis (stopped, not dead) accepts connections and never answers: every call would wait
its whole socket timeout, two or three times a request. So a call waits a quarter second at most
(OPTIONS `socket_timeout`, `socket_connect_timeout`), and after a failure a circuit breaker skips
Redis in this process for `breaker_seconds` (OPTIONS, default 30); then one call tries again.

`shared_cache()` says whether the default cache is one every server shares.
"""

import logging
import threading
import time
from functools import wraps

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from .outages import Every

logger = logging.getLogger(__name__)

WARN_EVERY_SECONDS = 60
BREAKER_SECONDS = 30
TIMEOUT_SECONDS = 0.25


class CircuitBreaker:
    """Closed, calls go to Redis; open, none does until `seconds` after the last failure. Then
    one caller makes a trial call and the others go on without Redis until it has answered."""

    def __init__(self, seconds: float, *, clock=time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._retry_at = None  # None while closed
        self._warning = Every(WARN_EVERY_SECONDS, clock=clock)

    def allows_a_call(self) -> bool:
        if self._retry_at is None:
            return True  # closed: the common path takes no lock
        with self._lock:
            if self._retry_at is None:
                return True
            now = self.clock()
            if now < self._retry_at:
                return False
            self._retry_at = now + self.seconds  # this caller tries; the others wait for it
            return True

    def record_success(self) -> None:
        if self._retry_at is None:
            return
        with self._lock:
            closed_now = self._retry_at is not None
            self._retry_at = None
        if closed_now:
            logger.info("Redis answers again: sessions are read from Redis")

    def record_failure(self, operation: str, error: Exception) -> None:
        with self._lock:
            self._retry_at = self.clock() + self.seconds
        if self._warning.due():
            logger.warning(
                "Redis unavailable (%s during %s): using the database alone, next try in %g s",
                type(error).__name__,
                operation,
                self.seconds,
            )


_breakers: dict[tuple, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(servers: list[str], seconds: float) -> CircuitBreaker:
    """One breaker per Redis and process: each gunicorn thread has a cache object of its own."""
    key = (tuple(servers), seconds)
    with _breakers_lock:
        if key not in _breakers:
            _breakers[key] = CircuitBreaker(seconds)
        return _breakers[key]


def _tolerant(fallback):
    """Ask Redis unless the breaker is open; the fallback then, or when Redis fails."""

    def decorate(method):
        @wraps(method)
        def wrapped(self, *args, **kwargs):
            if self.breaker.allows_a_call():
                try:
                    result = method(self, *args, **kwargs)
                except RedisError as error:
                    self.breaker.record_failure(method.__name__, error)
                else:
                    self.breaker.record_success()
                    return result
            return fallback(*args, **kwargs) if callable(fallback) else fallback

        return wrapped

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        options = {
            "socket_connect_timeout": TIMEOUT_SECONDS,
            "socket_timeout": TIMEOUT_SECONDS,
            **params.get("OPTIONS", {}),
        }
        seconds = options.pop("breaker_seconds", BREAKER_SECONDS)
        super().__init__(server, {**params, "OPTIONS": options})
        self.breaker = breaker_for(self._servers, seconds)

    @_tolerant(False)
    def ping(self) -> bool:
        """Whether Redis answers (/healthz/details); False at once while the breaker is open."""
        return self._cache.get_client(write=True).ping()

    get = _tolerant(_default)(RedisCache.get)
    set = _tolerant(None)(RedisCache.set)
    add = _tolerant(False)(RedisCache.add)
    touch = _tolerant(False)(RedisCache.touch)
    delete = _tolerant(False)(RedisCache.delete)
    has_key = _tolerant(False)(RedisCache.has_key)
    get_many = _tolerant(lambda *a, **k: {})(RedisCache.get_many)
    set_many = _tolerant(lambda keys, *a, **k: list(keys))(RedisCache.set_many)
    delete_many = _tolerant(None)(RedisCache.delete_many)
    clear = _tolerant(False)(RedisCache.clear)


def shared_cache() -> BaseCache | None:
    """The default cache when every server shares it (Redis, with REDIS_URL); None for a cache
    in one process's memory (LocMemCache, without it), which the other servers never see."""
    cache = caches["default"]
    return cache if isinstance(cache, RedisCache) else None
