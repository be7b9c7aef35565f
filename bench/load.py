"""A small, bounded load client (threads + http.client, loopback only) and the Argon2 baseline.

Each measurement runs a fixed number of threads, each with a keep-alive connection renewed
every few requests, for a fixed time after a short warm-up, and stops by itself. The rate of a
thread is its completed requests divided by the time from the start of its first counted
request to the end of its last, so a slow request cut off at the deadline does not bias the
result; the total is the sum.

Beside that wall-clock rate, `run` measures the CPU time the server spent (gunicorn's processes
and the PostgreSQL backends serving them) on every request it made, warm-up included: CPU per
request hardly changes when other work shares the machine, wall-clock rates do. On a machine
of its own a CPU-bound server's requests per second are its cores divided by that figure.
"""

import http.client
import os
import random
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from threading import Thread

from bench.browser import HOST

MAX_REQUESTS_PER_THREAD = 200_000  # a bound besides time
# A new connection every few requests: keep-alive mostly, yet gunicorn's workers keep sharing
# the load (a kept connection stays with the worker that accepted it).
REQUESTS_PER_CONNECTION = 5


@dataclass
class Backoff:
    """Waits after a refused or reset connection: `first` doubling up to `cap`, each drawn from
    the upper half of its step (jitter), so clients neither hammer a struggling server in a
    tight loop nor all come back at the same moment. One per client: the failures in a row
    carry over from one request to the next until an answer arrives."""

    first: float = 0.05  # seconds
    cap: float = 2.0
    tries: int = 6  # retries of one request before it counts as an error
    rng: random.Random = field(default_factory=random.Random)
    in_a_row: int = 0  # failures since the last answer

    def ceiling(self, failures: int) -> float:
        """The longest wait after this many failures in a row: 50, 100, 200 … 2,000 ms."""
        return min(self.cap, self.first * 2 ** min(max(failures, 1) - 1, 32))

    def next_wait(self) -> float:
        """Count a failure; the seconds to wait before trying again."""
        self.in_a_row += 1
        ceiling = self.ceiling(self.in_a_row)
        return self.rng.uniform(ceiling / 2, ceiling)

    def answered(self) -> None:
        self.in_a_row = 0


@dataclass
class Load:
    rate: float = 0.0  # requests per second, all threads
    count: int = 0
    errors: int = 0
    first_error: str = ""
    latencies: list[float] = field(default_factory=list)  # seconds
    all_count: int = 0  # warm-up included: the requests the CPU time was spent on
    cpu_seconds: float = 0.0

    @property
    def mean_ms(self) -> float:
        return 1000 * sum(self.latencies) / len(self.latencies) if self.latencies else 0.0

    @property
    def cpu_ms(self) -> float:
        """Server CPU milliseconds per request."""
        return 1000 * self.cpu_seconds / self.all_count if self.all_count else 0.0


TICK = os.sysconf("SC_CLK_TCK")


def cpu_times(pids) -> dict[int, float]:
    """CPU seconds (user + system) so far of each of these processes."""
    times = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        times[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return times


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


Request = tuple[str, str, bytes | None, dict]  # method, path, body, headers
Check = Callable[[int, http.client.HTTPResponse, bytes], bool]


def run(
    port: int,
    make_request: Callable[[int], Request],
    check: Check,
    *,
    concurrency: int,
    seconds: float,
    warmup: float = 0.5,
    server_pids: Callable[[], list[int]] = list,
) -> Load:
    """Closed-loop load on 127.0.0.1:port; make_request(thread_index) gives each request."""
    cpu_before = cpu_times(server_pids())
    begin = time.perf_counter() + warmup
    end = begin + seconds
    results = [Load() for _ in range(concurrency)]

    def worker(index: int) -> None:
        result = results[index]
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        first = last = None
        try:
            for n in range(MAX_REQUESTS_PER_THREAD):
                started = time.perf_counter()
                if started >= end:
                    break
                method, path, body, headers = make_request(index)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                finished = time.perf_counter()
                result.all_count += 1
                if response.will_close or (n + 1) % REQUESTS_PER_CONNECTION == 0:
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=30)
                if started < begin:
                    continue  # warm-up
                first = started if first is None else first
                last = finished
                result.count += 1
                result.latencies.append(finished - started)
                if not check(response.status, response, data):
                    result.errors += 1
                    result.first_error = result.first_error or (
                        f"{response.status} {response.getheader('Location', '')} {data[:200]!r}"
                    )
        finally:
            conn.close()
        if first is not None and last > first:
            result.rate = result.count / (last - first)

    threads = [Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=warmup + seconds + 60)
    total = Load(cpu_seconds=cpu_spent(cpu_before, cpu_times(server_pids())))
    for result in results:
        total.all_count += result.all_count
        total.rate += result.rate
        total.count += result.count
        total.errors += result.errors
        total.first_error = total.first_error or result.first_error
        total.latencies.extend(result.latencies)
    return total


def _argon2_for(seconds: float, params: dict) -> tuple[int, float, float]:
    """One process hashing with argon2-cffi for `seconds`: (hashes, time to the last, CPU)."""
    from argon2.low_level import Type, hash_secret

    salt, password = os.urandom(16), b"paarse olifant danst op het dak"
    count, start, cpu = 0, time.perf_counter(), time.process_time()
    last = start
    while time.perf_counter() < start + seconds:
        hash_secret(password, salt, type=Type.ID, hash_len=32, **params)
        count += 1
        last = time.perf_counter()
    return count, last - start, time.process_time() - cpu


def argon2_rate(*, processes: int, seconds: float, params: dict) -> tuple[float, float]:
    """Raw argon2-cffi (hashes per second, CPU ms per hash) in `processes` processes."""
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        for warming in [pool.submit(_argon2_for, 0.3, params) for _ in range(processes)]:
            warming.result()  # start-up is not measured
        futures = [pool.submit(_argon2_for, seconds, params) for _ in range(processes)]
        results = [future.result() for future in futures]
    rate = sum(count / elapsed for count, elapsed, _ in results)
    cpu_ms = 1000 * sum(cpu for *_, cpu in results) / sum(count for count, *_ in results)
    return rate, cpu_ms
