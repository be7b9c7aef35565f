"""A bounded load test of mixed traffic against gunicorn on PostgreSQL (`make loadtest`).

    .venv/bin/python -m bench.loadtest --seconds 120 --clients 50

Loopback only (127.0.0.1), bounded in time (--seconds, plus a hard cap) and in requests
(--max-requests), and it stops by itself. It:

1. makes a fresh PostgreSQL database `zorgportaal_loadtest` (dropped and created again),
   migrates it, collects the static files into a temporary folder, and adds the people;
2. starts gunicorn with the project's gunicorn.conf.py, DEBUG off, on a free port;
3. runs --clients threads for --seconds, each a person's browser with its own cookies and its
   own X-Forwarded-For address (TRUSTED_PROXY_COUNT=1; addresses from 198.18.0.0/15, the
   benchmarking range, only ever written in a header) doing a mix of: the login page, whole
   logins (password, code, logout; now and then a wrong password), chat polls of a person
   waiting for the helpdesk, and the dashboard;
4. checks that no answer was a server error and that no write was lost: the audit events the
   run added are counted against the requests that must each have written one;
5. prints the requests, errors and p50/p95/p99 per kind and overall, and stops gunicorn.

Exit status 1 when a server error, a connection error or a lost write was seen.
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"  # never anything else
ROOT = Path(__file__).resolve().parent.parent
DATABASE = "zorgportaal_loadtest"
PG = os.environ.get("LOADTEST_PG", "postgres://postgres@127.0.0.1:5432")
PASSWORD = "paarse olifant danst op het dak"  # noqa: S105 - the test people's password
HARD_CAP_SECONDS = 900  # whatever --seconds says
LOGIN_USERS_PER_CLIENT = 4
# What a client does next, by weight.
MIX = {"login_page": 15, "login": 6, "poll": 30, "dashboard": 49}
STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


# Set-up: database, static files, people


def server_env(port: int, static_root: str, redis_url: str) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE"))},
        "DJANGO_SETTINGS_MODULE": "zorgportaal.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "OTP_SEED_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"http://{HOST}:{port}",
        "DATABASE_URL": f"{PG}/{DATABASE}",
        "STATIC_ROOT": static_root,
        "TRUSTED_PROXY_COUNT": "1",
        "REDIS_URL": redis_url,
        "BIND": f"{HOST}:{port}",
        "GUNICORN_ACCESS_LOG": "",
        "LOG_LEVEL": "WARNING",
        "MAIL_QUEUE": "worker",
        "HELPDESK_OPENING_HOURS": "mon-sun 00:00-24:00",
        "HELPDESK_HOLIDAYS": "",
    }


def fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def manage(env: dict, *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True
    )


def redis_available() -> bool:
    try:
        with socket.create_connection((HOST, 6379), timeout=0.5):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Person:
    email: str
    device: str  # persistent id
    secret: bytes
    last_step: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock)

    def code(self) -> str | None:
        """A code for a step newer than the last one used, or None (wait for the next step)."""
        from django_otp.oath import totp

        now_step = int(time.time() // 30)
        with self.lock:
            for step in (now_step, now_step + 1):
                if step > self.last_step:
                    self.last_step = step
                    drift = step - now_step
                    return f"{totp(self.secret, step=30, t0=0, digits=6, drift=drift):06d}"
        return None


def make_people(clients: int):
    """Per client: a verified person (dashboard), one waiting for the helpdesk with an open
    chat (polls), and a few verified people for whole logins. One Argon2 hash for all."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import Organisation, Role, User
    from tokens.models import AppDevice
    from verification.models import Conversation

    organisation = Organisation.objects.create(name="Loadtest Zorggroep")
    role = Role.objects.create(name="Doktersassistent")
    hashed = make_password(PASSWORD)
    now = timezone.now()

    def people(kind: str, count: int, verified: bool) -> list[Person]:
        users = User.objects.bulk_create(
            User(
                email=f"{kind}{i}@loadtest.example",
                password=hashed,
                organisation=organisation,
                role=role,
                identity_verified_at=now if verified else None,
            )
            for i in range(count)
        )
        devices = AppDevice.objects.bulk_create(
            AppDevice(user=user, name="Authenticator-app", confirmed=True) for user in users
        )
        return [
            Person(user.email, device.persistent_id, device.secret())
            for user, device in zip(users, devices, strict=True)
        ]

    portal = people("portaal", clients, True)
    waiting = people("wacht", clients, False)
    chats = Conversation.objects.bulk_create(
        Conversation(person=User.objects.get(email=person.email)) for person in waiting
    )
    login = people("login", clients * LOGIN_USERS_PER_CLIENT, True)
    return portal, list(zip(waiting, [c.pk for c in chats], strict=True)), login


def audit_counts() -> Counter:
    from django.db import connection
    from django.db.models import Count

    from zorgportaal.models import AuditEvent

    connection.close()  # a fresh look, not a transaction's snapshot
    rows = AuditEvent.objects.values_list("event").annotate(n=Count("id"))
    return Counter(dict(rows))


# The clients


class Browser:
    """One person's browser: a keep-alive connection, cookies, a forwarded address."""

    def __init__(self, port: int, address: str, stats):
        self.port = port
        self.address = address
        self.stats = stats
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.reused = False  # whether the connection already carried a request

    def request(self, kind, method, path, form=None, *, record=True):
        headers = {"X-Forwarded-For": self.address, "Host": HOST}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            try:
                response, content = self._send(method, path, body, headers)
            except STALE:
                if not self.reused:
                    raise
                # The server closed an idle keep-alive connection before reading this request
                # (gunicorn's keepalive): a browser sends it again on a new one, and so do we.
                self._reconnect()
                response, content = self._send(method, path, body, headers)
        except (OSError, http.client.HTTPException) as error:
            self._reconnect()
            if record:
                self.stats.error(kind, f"{type(error).__name__} on {method} {path}")
            raise
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if record:
            self.stats.add(kind, elapsed, response.status, f"{method} {path}")
        if response.getheader("Connection", "").lower() == "close":
            self._reconnect()
        return response.status, response.getheader("Location", ""), content

    def _send(self, method, path, body, headers):
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        content = response.read()
        self.reused = True
        return response, content

    def _reconnect(self):
        self.conn.close()
        self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        self.reused = False

    def token(self, content: bytes) -> str:
        match = TOKEN.search(content)
        return match.group(1).decode() if match else ""

    def log_in(self, person: Person, *, record=True, wrong=False, expect=None):
        """Password then code; True when the session is logged in. Counts what it wrote."""
        _s, _l, page = self.request("login_page", "GET", "/inloggen/", record=record)
        password = "niet het wachtwoord" if wrong else PASSWORD
        form = {"csrfmiddlewaretoken": self.token(page), "email": person.email}
        status, location, body = self.request(
            "login_post", "POST", "/inloggen/", {**form, "password": password}, record=record
        )
        if wrong:
            # A refusal while throttled is counted, not written per attempt (zorgportaal.throttle).
            if expect is not None and status == 200 and b"Te veel" not in body:
                expect["login.failed"] += 1
            return False
        if status != 302 or location != "/inloggen/code/":
            if record:
                self.stats.error("login_post", f"password step answered {status} {location}")
            return False
        if expect is not None:
            expect["login.password_accepted"] += 1
        code = person.code()
        while code is None:  # this person logged in twice within a step: wait for the next
            time.sleep(1)
            code = person.code()
        _s, _l, page = self.request("code_page", "GET", "/inloggen/code/", record=record)
        status, location, _b = self.request(
            "code_post",
            "POST",
            "/inloggen/code/",
            {"csrfmiddlewaretoken": self.token(page), "device": person.device, "code": code},
            record=record,
        )
        if status != 302 or location not in ("/portaal/", "/verificatie/"):
            if record:
                self.stats.error("code_post", f"code step answered {status} {location}")
            return False
        if expect is not None:
            expect["login.succeeded"] += 1
        return True

    def log_out(self, expect):
        _s, _l, page = self.request("dashboard", "GET", "/portaal/")
        status, _l, _b = self.request(
            "logout", "POST", "/uitloggen/", {"csrfmiddlewaretoken": self.token(page)}
        )
        if status == 302:
            expect["logout"] += 1


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.statuses = Counter()
        self.errors = []

    def add(self, kind, seconds, status, what):
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[status] += 1
            if status >= 500:
                self.errors.append(f"{kind}: {status} on {what}")

    def error(self, kind, message):
        with self.lock:
            self.errors.append(f"{kind}: {message}")


def client_loop(index, port, start, max_requests, people, stats, expect, rng):
    portal_person, (waiting_person, chat_pk), login_people = people
    address = f"198.18.{index // 250}.{index % 250 + 1}"
    portal = Browser(port, address, stats)
    waiting = Browser(port, address, stats)
    anonymous = Browser(port, address, stats)
    local = Counter()
    # Warm-up (not measured): the dashboard and the waiting person log in once.
    portal.log_in(portal_person, record=False)
    waiting.log_in(waiting_person, record=False)
    start.barrier.wait()  # everyone warmed up
    start.go.wait()
    deadline = start.deadline
    wrong_left = 10  # a client address may fail 20 times an hour before it has to wait
    done = 0
    kinds, weights = list(MIX), list(MIX.values())
    while time.time() < deadline and done < max_requests:
        kind = rng.choices(kinds, weights)[0]
        try:
            if kind == "login_page":
                anonymous.cookies.clear()
                anonymous.request("login_page", "GET", "/inloggen/")
                done += 1
            elif kind == "dashboard":
                status, location, _b = portal.request("dashboard", "GET", "/portaal/")
                if status != 200:
                    stats.error("dashboard", f"answered {status} {location}")
                done += 1
            elif kind == "poll":
                status, _l, _b = waiting.request(
                    "poll", "GET", f"/verificatie/chat/{chat_pk}/berichten/?na=0"
                )
                if status not in (200, 204):
                    stats.error("poll", f"answered {status}")
                done += 1
            else:
                browser = Browser(port, address, stats)
                wrong = wrong_left > 0 and rng.random() < 0.15
                wrong_left -= wrong
                person = rng.choice(login_people)
                if browser.log_in(person, wrong=wrong, expect=local) and not wrong:
                    browser.log_out(local)
                browser.conn.close()
                done += 5
        except (OSError, http.client.HTTPException):
            pass  # already counted as an error
    with stats.lock:
        expect.update(local)


@dataclass
class Start:
    barrier: threading.Barrier
    go: threading.Event = field(default_factory=threading.Event)
    deadline: float = 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--max-requests", type=int, default=200_000, help="in all, a bound")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    seconds = min(args.seconds, HARD_CAP_SECONDS)
    rng = random.Random(args.seed)

    port = free_port()
    static_root = tempfile.mkdtemp(prefix="zorgportaal-loadtest-static-")
    redis_url = f"redis://{HOST}:6379/15" if redis_available() else ""
    env = server_env(port, static_root, redis_url)
    print(f"Setting up: database {DATABASE}, static files, {args.clients} clients' people")
    fresh_database()
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    portal, waiting, login = make_people(args.clients)

    server = subprocess.Popen(  # noqa: S603 - gunicorn from our own virtualenv
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                with socket.create_connection((HOST, port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            print("gunicorn did not start", file=sys.stderr)
            return 1
        return measure(args, seconds, port, portal, waiting, login, rng, redis_url)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def measure(args, seconds, port, portal, waiting, login, rng, redis_url) -> int:
    stats = Stats()
    expect = Counter()
    start = Start(threading.Barrier(args.clients + 1))
    per_client = max(1, args.max_requests // args.clients)
    threads = []
    for index in range(args.clients):
        people = (
            portal[index],
            waiting[index],
            login[index * LOGIN_USERS_PER_CLIENT : (index + 1) * LOGIN_USERS_PER_CLIENT],
        )
        thread = threading.Thread(
            target=client_loop,
            args=(
                index,
                port,
                start,
                per_client,
                people,
                stats,
                expect,
                random.Random(rng.random()),
            ),
            daemon=True,
        )
        threads.append(thread)
    print(f"Warming up: {args.clients} clients log in (not measured)")
    for thread in threads:
        thread.start()
    start.barrier.wait(timeout=600)
    before = audit_counts()
    started = time.time()
    start.deadline = started + seconds
    start.go.set()
    print(f"Measuring for {seconds:.0f} s against gunicorn on 127.0.0.1:{port}")
    for thread in threads:
        thread.join(timeout=seconds + 120)
    elapsed = time.time() - started
    time.sleep(0.5)
    after = audit_counts()
    return report(args, stats, expect, before, after, elapsed, redis_url)


def report(args, stats, expect, before, after, elapsed, redis_url) -> int:
    every = [s for values in stats.latencies.values() for s in values]
    rows = {
        kind: {
            "requests": len(values),
            "p50_ms": round(1000 * percentile(values, 50), 1),
            "p95_ms": round(1000 * percentile(values, 95), 1),
            "p99_ms": round(1000 * percentile(values, 99), 1),
        }
        for kind, values in sorted(stats.latencies.items())
    }
    rows["all"] = {
        "requests": len(every),
        "p50_ms": round(1000 * percentile(every, 50), 1),
        "p95_ms": round(1000 * percentile(every, 95), 1),
        "p99_ms": round(1000 * percentile(every, 99), 1),
    }
    written = {event: after[event] - before[event] for event in expect}
    lost = {e: (expect[e], written[e]) for e in expect if expect[e] != written[e]}
    server_errors = sum(n for status, n in stats.statuses.items() if status >= 500)
    print(
        f"\n{args.clients} clients, {elapsed:.1f} s, sessions in "
        f"{'Redis + PostgreSQL' if redis_url else 'PostgreSQL'}"
    )
    print(f"{'kind':<12}{'requests':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for kind, row in rows.items():
        print(
            f"{kind:<12}{row['requests']:>10}{row['p50_ms']:>10}{row['p95_ms']:>10}"
            f"{row['p99_ms']:>10}"
        )
    print(f"throughput: {len(every) / elapsed:.0f} requests/s")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine load average at the end (1, 5, 15 min; {os.cpu_count()} cores): {load}")
    print(f"status codes: {dict(sorted(stats.statuses.items()))}")
    print(
        f"server errors (5xx): {server_errors}; other errors: {len(stats.errors) - server_errors}"
    )
    for line in stats.errors[:10]:
        print(f"  {line}")
    print(
        "audit events expected/written: "
        + ", ".join(f"{e} {expect[e]}/{written[e]}" for e in sorted(expect))
    )
    print("lost writes: " + (json.dumps(lost) if lost else "none"))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "clients": args.clients,
                    "seconds": round(elapsed, 1),
                    "latency": rows,
                    "statuses": dict(stats.statuses),
                    "errors": stats.errors[:100],
                    "audit_expected": dict(expect),
                    "audit_written": written,
                },
                indent=2,
            )
        )
    return 1 if stats.errors or lost else 0


if __name__ == "__main__":
    sys.exit(main())
