"""zorgportaal.cache.shared_cache: whether the default cache is one every server shares.

Redis is (REDIS_URL, the production settings); a LocMemCache lives in one process's memory,
which another server never sees, so it is not. No cache here connects: the answer comes from
the configured backend alone. Each change of CACHES gives Django's `caches` new cache objects
(its setting_changed handler), and the `settings` fixture puts the old ones back.
"""

import pytest
from django.core.cache import caches

from zorgportaal.cache import shared_cache

IN_MEMORY = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
REDIS = "redis://127.0.0.1:6379/3"


def redis(backend: str = "zorgportaal.cache.TolerantRedisCache") -> dict:
    return {"BACKEND": backend, "LOCATION": REDIS}


def test_a_cache_in_one_process_s_memory_is_not_shared(settings):
    settings.CACHES = {"default": IN_MEMORY}
    assert shared_cache() is None


@pytest.mark.parametrize(
    "backend",
    ["django.core.cache.backends.redis.RedisCache", "zorgportaal.cache.TolerantRedisCache"],
    ids=["Django's Redis cache", "ours, with the circuit breaker"],
)
def test_redis_is_shared_and_is_the_default_cache(settings, backend):
    settings.CACHES = {"default": redis(backend)}
    assert shared_cache() is caches["default"]


def test_the_answer_follows_the_settings_of_the_moment(settings):
    """Never remembered: the tests switch Redis on and off."""
    settings.CACHES = {"default": redis()}
    assert shared_cache() is not None
    settings.CACHES = {"default": IN_MEMORY}
    assert shared_cache() is None
