"""A Redis cache that treats an unreachable Redis as an empty cache instead of an error.

Sessions are `cached_db`: the database holds every session, Redis only speeds reading them.
Django's RedisCache raises when Redis is down, and `cached_db` does not catch every call
(`load` writes the session back to the cache, `exists` asks the cache first), so every page
would answer 500. With this backend a read is a miss, a write is skipped, and one warning per
minute says so in the log; the app goes on with the database alone until Redis is back.
"""

import logging
import time
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

WARN_EVERY_SECONDS = 60
_last_warning = 0.0


def _warn(operation: str, error: Exception) -> None:
    global _last_warning  # one process-wide rate limit for the log line
    now = time.monotonic()
    if now - _last_warning >= WARN_EVERY_SECONDS:
        _last_warning = now
        logger.warning(
            "Redis unavailable (%s during %s): using the database alone",
            type(error).__name__,
            operation,
        )


def _tolerant(fallback):
    def decorate(method):
        @wraps(method)
        def wrapped(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except RedisError as error:
                _warn(method.__name__, error)
                return fallback(*args, **kwargs) if callable(fallback) else fallback

        return wrapped

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


class TolerantRedisCache(RedisCache):
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
