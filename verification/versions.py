"""What a poller last saw, kept in Redis, so an empty chat poll needs no SQL at all.

Every waiting person polls every few seconds, and nearly every poll finds nothing new. So each
chat has a stamp in the cache, and so has the queue: a random number, replaced whenever the
chat (a new line, taken, closed) or the queue (a chat taken or closed) changes. The poll
answers with the stamps it read; the next poll sends them back (`?v=`), and while they are
still the stamps in the cache the answer is 204 before any query (`chat.poll_answer`).

Why it stays right:

- A change deletes the stamps after its transaction commits (`changed`, from
  `Message.save`: every change of a chat or the queue writes a line). A poll reads (or makes)
  the stamps *before* it reads the database, so a change its query missed deletes them later
  and the next poll reads the database again.
- A missing stamp (Redis emptied, evicted, expired) is made afresh with a new random value,
  which no client holds: that poll reads the database.
- Without a cache shared by every server (`zorgportaal.cache.shared_cache`: no Redis, each
  process has its own memory) or while Redis is unavailable, there are no stamps and every
  poll reads the database, as before.
- A stamp lives STAMP_SECONDS at most, so a change whose deletion Redis missed (down at that
  very moment, answering again for the next poll) shows that much later at worst.

A stamp only ever earns a 204 "nothing new": whatever a chat holds is answered from the
database, after the check that the chat is the reader's.
"""

import contextlib
import secrets

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from zorgportaal.cache import shared_cache

STAMP_SECONDS = 60
QUEUE_KEY = "verification:queue"


def conversation_key(pk: int) -> str:
    return f"verification:chat:{pk}"


def changed(conversation_id: int, *, queue: bool) -> None:
    """Forget the chat's stamp, and the queue's; call after the change has committed."""
    cache = shared_cache()
    if cache is None:
        return
    keys = [conversation_key(conversation_id)] + ([QUEUE_KEY] if queue else [])
    with contextlib.suppress(Exception):  # a failing cache: the stamps' lifetime mends it
        cache.delete_many(keys)


def stamps(keys: list[str]) -> dict[str, str]:
    """The current stamps of these keys, made where missing; {} without a shared cache."""
    cache = shared_cache()
    if cache is None:
        return {}
    try:
        found = cache.get_many(keys)
        missing = [key for key in keys if key not in found]
        for key in missing:
            cache.add(key, secrets.randbits(48), STAMP_SECONDS)
        if missing:
            found = cache.get_many(keys)
    except Exception:  # no stamps: the next poll reads the database too
        return {}
    return {key: str(value) for key, value in found.items()}


def unchanged(keys: list[str], seen: list[str]) -> bool:
    """Whether these keys still hold the stamps the poller saw; never without a shared cache."""
    cache = shared_cache()
    if cache is None or len(keys) != len(seen):
        return False
    values = _read(cache, keys)
    return values is not None and all(
        value is not None and value == stamp.encode()
        for value, stamp in zip(values, seen, strict=True)
    )


def _read(cache, keys: list[str]) -> list[bytes | None] | None:
    """The raw values (a stamp is an int, stored as its digits) in one MGET; None on failure.

    Through one Redis client per cache object (one per thread): Django's cache makes a new
    client for every call, which costs more than the round trip itself. The circuit breaker of
    `zorgportaal.cache` is respected and told, as for any other call.
    """
    if not isinstance(cache, RedisCache):  # a test's stand-in
        found = cache.get_many(keys)
        return [str(found[key]).encode() if key in found else None for key in keys]
    breaker = getattr(cache, "breaker", None)
    if breaker is not None and not breaker.allows_a_call():
        return None
    try:
        backend = cache._cache  # django.core.cache.backends.redis.RedisCacheClient
        client = getattr(backend, "stamps_client", None)
        if client is None:
            client = backend.stamps_client = backend._client(
                connection_pool=backend._get_connection_pool(False)
            )
        values = client.mget([cache.make_key(key) for key in keys])
    except RedisError as error:
        if breaker is not None:
            breaker.record_failure("mget", error)
        return None
    except Exception:  # anything else: the database answers instead
        return None
    if breaker is not None:
        breaker.record_success()
    return values
