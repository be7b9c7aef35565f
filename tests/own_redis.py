"""A redis-server of the test's own, on a free port, to hang (SIGSTOP) or kill at will.

The shared Redis on 6379 is never touched. The server keeps nothing on disk.
"""

import os
import shutil
import signal
import subprocess

import pytest
import redis

from bench.browser import free_port
from tests.support import wait_for

REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    def __init__(self, folder):
        if not REDIS_SERVER:
            pytest.skip("needs redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        options = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)]
        self.process = subprocess.Popen(  # noqa: S603 (our own redis-server, fixed arguments)
            [REDIS_SERVER, "--port", str(self.port), *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, "redis-server did not start")

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def answers(self) -> bool:
        try:
            return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=0.2).ping()
        except redis.RedisError:
            return False

    def hang(self) -> None:
        """Stopped, not dead: connections are accepted, nothing is ever answered."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.resume()
            self.process.kill()
            self.process.wait(timeout=10)


def use_tolerant_redis(settings, url: str, **options) -> None:
    """Sessions `cached_db` in the Redis at `url`, as production settings make them."""
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "zorgportaal.cache.TolerantRedisCache",
            "LOCATION": url,
            "OPTIONS": options,
        }
    }
    settings.SESSION_ENGINE = "zorgportaal.sessionstores.cached_db"
