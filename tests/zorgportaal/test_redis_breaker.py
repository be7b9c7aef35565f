"""A hung Redis (stopped, not dead) costs a logged-in page milliseconds, not seconds.

zorgportaal.cache.TolerantRedisCache waits a quarter of a second on Redis at most; after a
failure its circuit breaker skips Redis (sessions come from the database) and, once its interval
is over, lets one call try again. Each test hangs a redis-server of its own (SIGSTOP).
"""

import json
import statistics
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.core.cache import cache
from django.test import Client

from tests.own_redis import use_tolerant_redis
from tests.support import Clock, log_in, wait_for
from zorgportaal.cache import CircuitBreaker

pytestmark = pytest.mark.django_db

PAGE = "/portaal/"


def timed_get(client, path):
    start = time.perf_counter()
    response = client.get(path)
    return response, time.perf_counter() - start


def session_in_redis(server, client) -> bool:
    session_key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return bool(server.client().exists(cache.make_key(KEY_PREFIX + session_key)))


def test_a_hung_redis_costs_the_first_page_under_a_second_and_the_next_ones_skip_it(
    settings, person, own_redis, monkeypatch
):
    use_tolerant_redis(settings, own_redis.url, **production_cache_options())
    client = Client()
    log_in(client, person)
    healthy = [timed_get(client, PAGE)[1] for _ in range(10)]
    assert session_in_redis(own_redis, client)

    own_redis.hang()
    first, first_seconds = timed_get(client, PAGE)
    calls_to_redis = []
    allows = CircuitBreaker.allows_a_call
    monkeypatch.setattr(
        CircuitBreaker,
        "allows_a_call",
        lambda breaker: calls_to_redis.append(allows(breaker)) or calls_to_redis[-1],
    )
    following = [timed_get(client, PAGE) for _ in range(10)]

    assert first.status_code == 200
    assert all(response.status_code == 200 for response, _ in following)
    seconds = [elapsed for _, elapsed in following]
    print(  # the figures for the README, shown with `pytest -s`
        f"\nhealthy median {statistics.median(healthy) * 1000:.0f} ms; hung: first "
        f"{first_seconds * 1000:.0f} ms, then median {statistics.median(seconds) * 1000:.0f} ms,"
        f" max {max(seconds) * 1000:.0f} ms"
    )
    assert first_seconds < 1.0  # one wait of 0.25 s, on a busy machine too
    assert calls_to_redis and not any(calls_to_redis)  # the breaker kept every call from Redis


def test_redis_is_used_again_once_the_breakers_interval_is_over(settings, person, own_redis):
    use_tolerant_redis(settings, own_redis.url, breaker_seconds=2)
    client = Client()
    log_in(client, person)
    own_redis.hang()
    assert client.get(PAGE).status_code == 200  # waits once, opens the breaker

    own_redis.resume()
    own_redis.client().flushdb()  # only a new write can bring the session back
    assert client.get(PAGE).status_code == 200
    assert not session_in_redis(own_redis, client)  # still open: the database alone

    def page_fills_redis_again() -> bool:
        assert client.get(PAGE).status_code == 200
        return session_in_redis(own_redis, client)

    wait_for(page_fills_redis_again, "Redis was not used again after the interval")


# The breaker itself, on a clock of the test's own


def test_the_breaker_opens_on_a_failure_and_lets_one_trial_through_after_its_interval():
    from zorgportaal.cache import CircuitBreaker

    clock = Clock()
    breaker = CircuitBreaker(30, clock=clock)
    assert breaker.allows_a_call()
    breaker.record_failure("get", TimeoutError())
    assert not breaker.allows_a_call()
    clock.now += 29.9
    assert not breaker.allows_a_call()
    clock.now += 0.2
    assert breaker.allows_a_call()  # the trial
    assert not breaker.allows_a_call()  # everyone else waits for it
    breaker.record_success()
    assert breaker.allows_a_call() and breaker.allows_a_call()


def test_a_failed_trial_keeps_the_breaker_open_for_another_interval():
    from zorgportaal.cache import CircuitBreaker

    clock = Clock()
    breaker = CircuitBreaker(30, clock=clock)
    breaker.record_failure("get", TimeoutError())
    clock.now += 31
    assert breaker.allows_a_call()
    breaker.record_failure("get", TimeoutError())
    clock.now += 29
    assert not breaker.allows_a_call()


def test_of_many_threads_only_one_makes_the_trial_call():
    from zorgportaal.cache import CircuitBreaker

    clock = Clock()
    breaker = CircuitBreaker(30, clock=clock)
    breaker.record_failure("get", TimeoutError())
    clock.now += 31
    start = threading.Barrier(16)
    allowed = []

    def ask():
        start.wait()
        allowed.append(breaker.allows_a_call())

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(allowed) == [False] * 15 + [True]


def test_an_open_breaker_logs_one_warning_a_minute(caplog):
    from zorgportaal.cache import CircuitBreaker

    clock = Clock()
    breaker = CircuitBreaker(30, clock=clock)
    for _ in range(3):  # three outages within a minute
        breaker.record_failure("get", TimeoutError())
        clock.now += 20
    assert caplog.text.count("Redis unavailable (TimeoutError during get)") == 1


def production_cache_options(**environment) -> dict:
    """The cache OPTIONS zorgportaal.settings makes with REDIS_URL set."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django, json; django.setup(); "
            "print(json.dumps(settings.CACHES['default']['OPTIONS']))",
        ],
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "zorgportaal.settings",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            **environment,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_production_waits_a_quarter_second_on_redis_and_skips_it_30_seconds_after_a_failure():
    assert production_cache_options() == {
        "socket_connect_timeout": 0.25,
        "socket_timeout": 0.25,
        "breaker_seconds": 30,
    }


def test_the_timeouts_and_the_interval_come_from_the_environment():
    assert production_cache_options(
        REDIS_TIMEOUT_MS="100", REDIS_CONNECT_TIMEOUT_MS="500", REDIS_BREAKER_SECONDS="5"
    ) == {"socket_connect_timeout": 0.5, "socket_timeout": 0.1, "breaker_seconds": 5}
