"""A bounded load test of mixed traffic (`make loadtest`): on a server of its own, or --url.

    .venv/bin/python -m bench.loadtest --seconds 120 --clients 50
    .venv/bin/python -m bench.loadtest --url http://127.0.0.1:8000 --people people.tsv

Bounded in time (--seconds, plus a hard cap) and in requests (--max-requests), and it stops by
itself. Without --url it works on 127.0.0.1 only:

1. makes a fresh PostgreSQL database (--database, default `zorgportaal_loadtest`, dropped and
   created again), migrates it, collects the static files into a temporary folder, and adds
   the people; sessions go to Redis database 12 (--redis), never the test suite's 15;
2. starts gunicorn with the project's gunicorn.conf.py, DEBUG off, on a free port;
3. runs --clients threads for --seconds, each a person's browser with its own cookies and its
   own X-Forwarded-For address (TRUSTED_PROXY_COUNT=1) doing a mix of: the login page, whole
   logins (password, code, logout; now and then a wrong password), chat polls of a person
   waiting for the helpdesk, and the dashboard;
4. checks that no answer was a server error and that no write was lost: the audit events the
   run added are counted against the requests that must each have written one;
5. prints the requests, errors and p50/p95/p99 per kind and overall, and stops gunicorn.

With --url it makes no database, starts no server and touches no Redis: it loads a running
deployment, loopback only unless --i-own-this-deployment says whose it is. With --people FILE
(accounts an operator made for load testing, one authenticator app each) its clients log in
and out and load the page a login lands on; without, they only ask what needs no account: the
start and login pages, the static files and /healthz. Wrong passwords (for addresses that
exist nowhere) only with --forwarded-for, when the deployment takes this client's
X-Forwarded-For; otherwise every client is this machine's one address. It cannot see the
deployment's database, so it checks no writes and says so.

Every run has identities of its own (a random run id): e-mail addresses and forwarded
addresses (IPv6 from 2001:2::/48, the benchmarking range, only ever written in a header) that
no earlier run used, so no throttle an earlier run caused applies to this one. A refused or
reset connection is tried again after 50 ms, doubling to 2 s, with jitter, never in a tight
loop; the retries are counted and reported.

Exit status 1 when a server error, a connection error (after its retries) or a lost write was
seen.
"""

import argparse
import binascii
import contextlib
import html
import http.client
import ipaddress
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.browser import HOST, free_port  # the server of its own: never anything but HOST
from bench.load import Backoff

ROOT = Path(__file__).resolve().parent.parent
DATABASE = os.environ.get("LOADTEST_DATABASE", "zorgportaal_loadtest")
# Never CI's database "test" nor its Redis database 15 (.ci/run empties that one), nor
# `make bench`'s 14.
REDIS = os.environ.get("LOADTEST_REDIS", f"redis://{HOST}:6379/12")
NOT_OURS = {"postgres", "template0", "template1", "test"}  # databases it must never drop
PG = os.environ.get("LOADTEST_PG", "postgres://postgres@127.0.0.1:5432")
PASSWORD = "paarse olifant danst op het dak"  # noqa: S105 - the test people's password
HARD_CAP_SECONDS = 900  # whatever --seconds says
LOGIN_USERS_PER_CLIENT = 4
WRONG_PASSWORDS = 10  # per client and run: an address may fail 20 times an hour before it waits
# What a client does next, by weight: on a server of its own, and against --url.
MIX = {"login_page": 15, "login": 6, "poll": 30, "dashboard": 49}
URL_MIX = {"start": 5, "login_page": 15, "login": 6, "home": 49, "static": 15, "healthz": 10}
ANONYMOUS_MIX = {"start": 10, "login_page": 40, "static": 35, "healthz": 15}
STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
NOT_SENT = (ConnectionRefusedError,)  # the server never saw the request: safe to send again
IDEMPOTENT = ("GET", "HEAD")
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
DEVICE = re.compile(rb'<input[^>]*name="device"[^>]*value="([^"]*)"')
STATIC = re.compile(rb'(?:href|src)="(/static/[^"?#]+)"')
THROTTLED = (b"Te veel mislukte pogingen", b"Too many failed attempts")
HOMES = ("/portaal/", "/verificatie/")  # where a whole login lands
BENCHMARK_NET = 0x2001_0002_0000 << 80  # 2001:2::/48 (RFC 5180), never routed
RUN_ID = re.compile(r"^[0-9a-f]{16}$")
WARM_UP = 0xFFFE  # the client number of the warm-up's address


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


# Where the load goes


class TargetRefused(ValueError):
    """A --url the load test will not load."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int

    @property
    def netloc(self) -> str:
        """The Host header: the port only when it is not the scheme's own."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = {"http": 80, "https": 443}[self.scheme]
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    def connection(self) -> http.client.HTTPConnection:
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=60)
        return http.client.HTTPConnection(self.host, self.port, timeout=60)


def is_loopback(host: str) -> bool:
    """This machine by name or address; a name is not looked up (DNS can say anything)."""
    host = host.rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_target(url: str, *, owned: bool) -> Target:
    """http(s)://host[:port] of a deployment; off this machine only when its owner says so,
    so nobody load-tests someone else's site by a slip of the keyboard."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(f"--url must be http://host[:port] or https://host[:port], not {url}")
    if parts.username or parts.password or parts.path not in ("", "/") or parts.query:
        raise TargetRefused("--url takes a scheme, a host and a port only: no path, no query")
    try:
        port = parts.port or {"http": 80, "https": 443}[parts.scheme]
    except ValueError:
        raise TargetRefused(f"--url has no valid port: {url}") from None
    if not owned and not is_loopback(parts.hostname):
        raise TargetRefused(
            f"{parts.hostname} is not this machine: load only a deployment you are responsible "
            "for, and say so with --i-own-this-deployment"
        )
    return Target(parts.scheme, parts.hostname, port)


# Who the clients are


@dataclass(frozen=True)
class RunIdentity:
    """The names this run's people and clients go by: none an earlier run used, so no throttle
    an earlier run caused (per account, per client address; an hour long) carries over."""

    run_id: str  # 16 hex digits

    @classmethod
    def fresh(cls) -> "RunIdentity":
        return cls(secrets.token_hex(8))

    def __post_init__(self):
        if not RUN_ID.match(self.run_id):
            raise ValueError("a run id is 16 hexadecimal digits (0-9, a-f)")

    def email(self, kind: str, index: int) -> str:
        return f"{kind}{index}.r{self.run_id}@loadtest.example"

    def unknown_email(self, client: int, attempt: int) -> str:
        """An address no account has (.invalid, RFC 2606): a wrong password that throttles no
        one's real account."""
        return f"onbekend{client}-{attempt}.r{self.run_id}@loadtest.invalid"

    def address(self, client: int) -> str:
        """Client `client`'s X-Forwarded-For: 2001:2::/48, the run id, then the client."""
        if not 0 <= client < 0xFFFF:
            raise ValueError("at most 65,535 clients")
        return str(ipaddress.IPv6Address(BENCHMARK_NET | int(self.run_id, 16) << 16 | client + 1))


@dataclass
class Person:
    email: str
    device: str  # persistent id; empty: the one the code page offers first
    secret: bytes
    password: str = PASSWORD
    last_step: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def code(self) -> str | None:
        """A code for a step newer than the last one used, or None (wait for the next step)."""
        from tokens.testing import step_code

        now_step = int(time.time() // 30)
        with self.lock:
            for step in (now_step, now_step + 1):
                if step > self.last_step:
                    self.last_step = step
                    return step_code(self.secret, step)
        return None

    def skip_steps_used_before(self, now: float | None = None) -> None:
        """Use no code an earlier run may have used (the current and next 30 s step), so the
        deployment refuses none as already used: a refusal would count against this client."""
        self.last_step = int((now or time.time()) // 30) + 1


class PeopleFileError(ValueError):
    """A --people file the load test cannot use; the message names the line, never a secret."""


def parse_people(text: str) -> list[Person]:
    """One account a line: e-mail, password and the app's seed in Base32, separated by tabs
    (a password may hold spaces). Blank lines and lines starting with # are skipped."""
    people, seen = [], {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise PeopleFileError(
                f"line {number}: expected e-mail, password and seed separated by tabs, "
                f"found {len(fields)} field(s)"
            )
        email, password, seed = fields[0].strip(), fields[1], fields[2]
        if "@" not in email:
            raise PeopleFileError(f"line {number}: no e-mail address")
        if not password:
            raise PeopleFileError(f"line {number}: no password")
        if email.lower() in seen:
            raise PeopleFileError(
                f"line {number}: {email} is already on line {seen[email.lower()]}"
            )
        seen[email.lower()] = number
        people.append(Person(email, "", decode_seed(seed, number), password))
    if not people:
        raise PeopleFileError("no people in the file")
    return people


def decode_seed(seed: str, number: int) -> bytes:
    """Base32 as authenticator apps show it: any case, spaces and padding optional."""
    from tokens.testing import seed_of

    try:
        secret = seed_of(seed)
    except (binascii.Error, ValueError):
        raise PeopleFileError(f"line {number}: the seed is not Base32") from None
    if len(secret) < 10:
        raise PeopleFileError(f"line {number}: the seed is shorter than 80 bits")
    return secret


# Set-up of a server of its own: database, static files, people


def server_env(port: int, static_root: str, redis_url: str, database: str) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE"))},
        "DJANGO_SETTINGS_MODULE": "zorgportaal.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "OTP_SEED_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"http://{HOST}:{port}",
        # Plain http on 127.0.0.1 is no secure origin for keys; the people here use codes.
        "PASSKEYS_ENABLED": "false",
        "DATABASE_URL": f"{PG}/{database}",
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


def fresh_database(database: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')


def manage(env: dict, *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True
    )


def redis_available(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=0.5):
            return True
    except OSError:
        return False


def make_people(clients: int, identity: RunIdentity):
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
                email=identity.email(kind, i),
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


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.statuses = Counter()
        self.errors = []
        self.retries = Counter()  # by error: refused or reset connections tried again
        self.counts = Counter()  # throttled answers, keep-alive resends, logins without a code

    def add(self, kind, seconds, status, what):
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[status] += 1
            if status >= 500:
                self.errors.append(f"{kind}: {status} on {what}")

    def error(self, kind, message):
        with self.lock:
            self.errors.append(f"{kind}: {message}")

    def count(self, what, n=1):
        with self.lock:
            self.counts[what] += n

    def retried(self, error):
        with self.lock:
            self.retries[type(error).__name__] += 1


class Browser:
    """One person's browser under load: a keep-alive connection, cookies, perhaps a forwarded
    address, retries with back-off, and every answer timed. (bench.browser.Browser is the plain
    one, for setting up and for tests.)"""

    def __init__(self, target: Target, address: str | None, stats: Stats, backoff: Backoff):
        self.target = target
        self.address = address
        self.stats = stats
        self.backoff = backoff
        self.cookies: dict[str, str] = {}
        self.conn = target.connection()
        self.reused = False  # whether the connection already carried a request

    def request(self, kind, method, path, form=None, *, record=True):
        headers = {"Host": self.target.netloc}
        if self.address:
            headers["X-Forwarded-For"] = self.address
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.target.origin  # as browsers send it (CSRF over https)
        started = time.perf_counter()
        try:
            response, content = self._send_with_retries(method, path, body, headers)
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
            if response.status == 429 or any(text in content for text in THROTTLED):
                self.stats.count("throttled")
        if response.getheader("Connection", "").lower() == "close":
            self._reconnect()
        return response.status, response.getheader("Location", ""), content

    def _send_with_retries(self, method, path, body, headers):
        """Send; again at once on a keep-alive race, after a back-off on a refused or reset
        connection (a reset only for a GET: a POST may have been carried out)."""
        retries = 0
        while True:
            reused = self.reused
            try:
                response, content = self._send(method, path, body, headers)
            except (OSError, http.client.HTTPException) as error:
                self._reconnect()
                if reused and isinstance(error, STALE):
                    # The server closed an idle keep-alive connection before reading this
                    # request (gunicorn's keepalive): a browser sends it again on a new one.
                    self.stats.count("keep-alive resends")
                    continue
                if retries >= self.backoff.tries or not may_retry(method, error):
                    raise
                retries += 1
                self.stats.retried(error)
                time.sleep(self.backoff.next_wait())
                continue
            self.backoff.answered()
            return response, content

    def _send(self, method, path, body, headers):
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        content = response.read()
        self.reused = True
        return response, content

    def _reconnect(self):
        self.conn.close()
        self.conn = self.target.connection()
        self.reused = False

    def close(self):
        self.conn.close()

    def token(self, content: bytes) -> str:
        match = TOKEN.search(content)
        return match.group(1).decode() if match else ""

    def log_in(self, person: Person, code: str | None = None, *, record=True, expect=None):
        """Password then code; where the login landed ("" when it failed). Counts writes."""
        _s, _l, page = self.request("login_page", "GET", "/inloggen/", record=record)
        form = {"csrfmiddlewaretoken": self.token(page), "email": person.email}
        status, location, body = self.request(
            "login_post", "POST", "/inloggen/", {**form, "password": person.password}, record=record
        )
        if status != 302 or location != "/inloggen/code/":
            why = " (throttled)" if any(text in body for text in THROTTLED) else ""
            self.stats.error("login_post", f"password step answered {status} {location}{why}")
            return ""
        if expect is not None:
            expect["login.password_accepted"] += 1
        code = code or person.code()
        while code is None:  # this person's last code was of this step: wait for the next
            time.sleep(1)
            code = person.code()
        _s, _l, page = self.request("code_page", "GET", "/inloggen/code/", record=record)
        device = person.device or device_on(page)
        status, location, _b = self.request(
            "code_post",
            "POST",
            "/inloggen/code/",
            {"csrfmiddlewaretoken": self.token(page), "device": device, "code": code},
            record=record,
        )
        if status != 302 or location not in HOMES:
            self.stats.error("code_post", f"code step answered {status} {location}")
            return ""
        if expect is not None:
            expect["login.succeeded"] += 1
        return location

    def wrong_password(self, email: str, expect=None) -> None:
        """A login with a wrong password; only a refusal that was not throttled writes."""
        self.stats.count("wrong passwords sent")
        _s, _l, page = self.request("login_page", "GET", "/inloggen/")
        form = {"csrfmiddlewaretoken": self.token(page), "email": email}
        status, _l, body = self.request(
            "login_post", "POST", "/inloggen/", {**form, "password": "niet het wachtwoord"}
        )
        # A refusal while throttled is counted, not written per attempt (zorgportaal.throttle).
        if expect is not None and status == 200 and not any(t in body for t in THROTTLED):
            expect["login.failed"] += 1

    def landing(self, kind: str, path: str, *, record=True) -> tuple[str, bytes]:
        """The page a path ends on after our own redirects (an account not yet verified is
        sent from the dashboard to the verification page), and its content."""
        for _hop in range(3):
            status, location, page = self.request(kind, "GET", path, record=record)
            if status not in (301, 302) or not location.startswith("/"):
                break
            path = location
        return path, page

    def log_out(self, home: str, expect=None, *, kind="dashboard", record=True):
        _path, page = self.landing(kind, home, record=record)
        status, _l, _b = self.request(
            "logout",
            "POST",
            "/uitloggen/",
            {"csrfmiddlewaretoken": self.token(page)},
            record=record,
        )
        if status == 302 and expect is not None:
            expect["logout"] += 1


def may_retry(method: str, error: BaseException) -> bool:
    """A refused connection never reached the server; a reset one may have, so only a GET."""
    if isinstance(error, NOT_SENT):
        return True
    return isinstance(error, (*STALE, ConnectionAbortedError)) and method in IDEMPOTENT


def device_on(page: bytes) -> str:
    """The device the code page offers first (load-test accounts have one app each)."""
    match = DEVICE.search(page)
    return html.unescape(match.group(1).decode()) if match else ""


def fresh_code(people: list[Person], rng: random.Random) -> tuple[Person, str] | None:
    """Someone whose next code is unused, so a login never waits for the next 30 s step."""
    for person in rng.sample(people, min(len(people), 8)):
        code = person.code()
        if code:
            return person, code
    return None


class Client:
    """One client of a run: its browsers, its people and its share of wrong passwords."""

    mix: dict[str, int]
    home_kind = "dashboard"  # what the page a login lands on is counted as

    def __init__(self, index: int, target: Target, address: str | None, stats: Stats, rng):
        self.index = index
        self.target = target
        self.address = address
        self.stats = stats
        self.rng = rng
        self.backoff = Backoff(rng=random.Random(rng.random()))
        self.local = Counter()  # audit events this client's requests must have written
        self.browser_for_pages = self.browser()  # the anonymous pages

    def browser(self) -> Browser:
        return Browser(self.target, self.address, self.stats, self.backoff)

    def whole_login(self, people: list[Person]) -> int:
        """Password, code and logout; the login page alone when nobody has a fresh code."""
        found = fresh_code(people, self.rng)
        if found is None:
            self.stats.count("logins skipped for want of a fresh code (1 per person per 30 s)")
            self.browser_for_pages.request("login_page", "GET", "/inloggen/")
            return 1
        browser = self.browser()
        try:
            home = browser.log_in(found[0], found[1], expect=self.local)
            if home:
                browser.log_out(home, self.local, kind=self.home_kind)
        finally:
            browser.close()
        return 5


class LocalClient(Client):
    """A client of the server of its own: the people it made, chat polls, the dashboard."""

    mix = MIX

    def __init__(self, index, target, identity, stats, rng, people, wrong):
        super().__init__(index, target, identity.address(index), stats, rng)
        self.portal_person, (self.waiting_person, self.chat_pk), self.login_people = people
        self.portal, self.waiting = self.browser(), self.browser()
        self.wrong_left = wrong

    def warm_up(self) -> None:
        self.portal.log_in(self.portal_person, record=False)
        self.waiting.log_in(self.waiting_person, record=False)

    def do(self, kind: str) -> int:
        if kind == "login_page":
            self.browser_for_pages.cookies.clear()
            self.browser_for_pages.request("login_page", "GET", "/inloggen/")
        elif kind == "dashboard":
            expect_status(self.portal, "dashboard", "/portaal/", (200,))
        elif kind == "poll":
            path = f"/verificatie/chat/{self.chat_pk}/berichten/?na=0"
            expect_status(self.waiting, "poll", path, (200, 204))
        elif self.wrong_left > 0 and self.rng.random() < 0.15:
            self.wrong_left -= 1
            browser = self.browser()
            browser.wrong_password(self.rng.choice(self.login_people).email, self.local)
            browser.close()
            return 2
        else:
            return self.whole_login(self.login_people)
        return 1


class RemoteClient(Client):
    """A client of a running deployment: the operator's people, or no account at all."""

    home_kind = "home"

    def __init__(self, index, target, identity, stats, rng, *, people, home, static, wrong):
        address = identity.address(index) if wrong is not None else None
        super().__init__(index, target, address, stats, rng)
        self.identity = identity
        self.people = people
        self.home = home  # (cookies, path) of a session logged in before the run
        self.static = static
        # Wrong passwords only from addresses of this run's own (None: no forwarded address):
        # otherwise they would all count against this machine's one address, run after run.
        self.wrong_left = wrong or 0
        self.wrong_done = 0
        self.session = self.browser()
        mix = URL_MIX if people else ANONYMOUS_MIX
        self.mix = {k: w for k, w in mix.items() if k != "static" or static}

    def warm_up(self) -> None:
        if self.home:
            self.session.cookies.update(self.home[0])

    def do(self, kind: str) -> int:
        if kind in ("start", "healthz"):
            expect_status(self.browser_for_pages, kind, "/" if kind == "start" else "/healthz")
        elif kind == "login_page":
            self.browser_for_pages.cookies.clear()
            expect_status(self.browser_for_pages, kind, "/inloggen/")
        elif kind == "static":
            expect_status(self.browser_for_pages, kind, self.rng.choice(self.static))
        elif kind == "home":
            expect_status(self.session, "home", self.home[1])
        elif self.wrong_left > 0 and self.rng.random() < 0.15:
            self.wrong_left -= 1
            self.wrong_done += 1
            browser = self.browser()
            browser.wrong_password(self.identity.unknown_email(self.index, self.wrong_done))
            browser.close()
            return 2
        else:
            return self.whole_login(self.people)
        return 1


def expect_status(browser: Browser, kind: str, path: str, good=(200,)) -> None:
    status, location, _b = browser.request(kind, "GET", path)
    if status not in good:
        browser.stats.error(kind, f"answered {status} {location} on GET {path}")


def client_loop(client: Client, start, max_requests: int, expect: Counter) -> None:
    client.warm_up()  # not measured
    start.barrier.wait()  # everyone warmed up
    start.go.wait()
    kinds, weights = list(client.mix), list(client.mix.values())
    done = 0
    while time.time() < start.deadline and done < max_requests:
        try:
            done += client.do(client.rng.choices(kinds, weights)[0])
        except (OSError, http.client.HTTPException):
            # Counted as an error already, after the back-off's retries: wait before the next.
            time.sleep(client.backoff.next_wait())
    with client.stats.lock:
        expect.update(client.local)


@dataclass
class Start:
    barrier: threading.Barrier
    go: threading.Event = field(default_factory=threading.Event)
    deadline: float = 0.0


# The two modes


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--max-requests", type=int, default=200_000, help="in all, a bound")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--seed", type=int, default=None, help="for the choice of requests")
    parser.add_argument("--run-id", help="16 hex digits: reuse an earlier run's identities")
    parser.add_argument(
        "--wrong-passwords",
        type=int,
        default=WRONG_PASSWORDS,
        help="at most, per client (with --url: only with --forwarded-for)",
    )
    own = parser.add_argument_group("a server of its own (without --url)")
    own.add_argument("--database", default=DATABASE, help="dropped and made again")
    own.add_argument("--redis", default=REDIS, help='for the sessions; "none": none')
    url = parser.add_argument_group("a running deployment")
    url.add_argument("--url", help="http(s)://host[:port]; no database, server or Redis")
    url.add_argument(
        "--people", help="accounts made for load testing, one a line: e-mail TAB password TAB seed"
    )
    url.add_argument(
        "--forwarded-for",
        action="store_true",
        help="the deployment takes this client's X-Forwarded-For (TRUSTED_PROXY_COUNT=1, no "
        "proxy between): a fresh address per client and run, and wrong passwords",
    )
    url.add_argument("--i-own-this-deployment", action="store_true", help="allow a remote host")
    args = parser.parse_args(argv)
    try:
        args.identity = RunIdentity(args.run_id) if args.run_id else RunIdentity.fresh()
        args.target = args.url and parse_target(args.url, owned=args.i_own_this_deployment)
        args.people_list = args.people and parse_people(Path(args.people).read_text())
    except (ValueError, OSError) as error:
        parser.error(str(error))
    if not 1 <= args.clients <= 10_000:
        parser.error("--clients: from 1 to 10,000")
    if not args.url and (args.people or args.forwarded_for):
        parser.error("--people and --forwarded-for go with --url")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database) or args.database in NOT_OURS:
        parser.error(f"--database {args.database}: a name of its own, it is dropped first")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    args.seconds = min(args.seconds, HARD_CAP_SECONDS)
    if args.run_id:
        print(f"Run {args.run_id} again: its people and addresses, and any throttle they met")
    else:
        print(f"Run {args.identity.run_id}: e-mail and client addresses no earlier run used")
    if args.url:
        return remote(args)
    return own_server(args)


def own_server(args) -> int:
    port = free_port()
    static_root = tempfile.mkdtemp(prefix="zorgportaal-loadtest-static-")
    redis_url = args.redis if args.redis != "none" and redis_available(args.redis) else ""
    env = server_env(port, static_root, redis_url, args.database)
    print(f"Setting up: database {args.database}, static files, {args.clients} clients' people")
    fresh_database(args.database)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    portal, waiting, login = make_people(args.clients, args.identity)

    server = subprocess.Popen(  # noqa: S603 - gunicorn from our own virtualenv
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        if not wait_for_port(port):
            print("gunicorn did not start", file=sys.stderr)
            return 1
        target, stats, rng = Target("http", HOST, port), Stats(), random.Random(args.seed)
        clients = [
            LocalClient(
                index,
                target,
                args.identity,
                stats,
                random.Random(rng.random()),
                (portal[index], waiting[index], login_slice(login, index)),
                args.wrong_passwords,
            )
            for index in range(args.clients)
        ]
        where = f"gunicorn on {HOST}:{port}"
        expect, before, after, elapsed = measure(args, clients, where, audit_counts)
        sessions = "Redis + PostgreSQL" if redis_url else "PostgreSQL"
        return report(args, stats, elapsed, f"sessions in {sessions}", (expect, before, after))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def login_slice(login: list[Person], index: int) -> list[Person]:
    return login[index * LOGIN_USERS_PER_CLIENT : (index + 1) * LOGIN_USERS_PER_CLIENT]


def wait_for_port(port: int) -> bool:
    for _ in range(100):
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def remote(args) -> int:
    target, stats = args.target, Stats()
    people = args.people_list or []
    print(f"Warming up against {target.origin}")
    # The warm-up too comes from an address of this run's own, when the deployment takes one.
    address = args.identity.address(WARM_UP) if args.forwarded_for else None
    try:
        static = static_paths(Browser(target, address, stats, Backoff()))
    except (OSError, http.client.HTTPException) as error:
        print(f"No answer from {target.origin}: {error}", file=sys.stderr)
        return 1
    for person in people:
        person.skip_steps_used_before()
    # Half the people give the sessions for "home"; the rest keep their next code for the run
    # (a code is used once: a person logs in once per 30 s step at most).
    warm = people[: (len(people) + 1) // 2]
    if warm:
        print(f"  {len(warm)} of them, with codes no earlier run can have used (up to 30 s)")
    homes = warm_sessions(target, warm, stats, address)
    if stats.errors:
        print("\n".join(["Not every person could log in:", *stats.errors]), file=sys.stderr)
        return 1
    try:
        clients = remote_clients(args, stats, people, homes, static)
        _e, _b, _a, elapsed = measure(args, clients, target.origin, None)
    finally:
        log_out_warm_sessions(target, homes, stats, address)
    where = f"against {target.origin}" + ("" if people else ", no accounts (no --people)")
    return report(args, stats, elapsed, where, None)


def static_paths(browser: Browser) -> list[str]:
    """The static files the login page links to on the deployment's own host."""
    _s, _l, page = browser.request("login_page", "GET", "/inloggen/", record=False)
    browser.close()
    return sorted({path.decode() for path in STATIC.findall(page)})


def remote_clients(args, stats: Stats, people, homes, static) -> list[Client]:
    rng = random.Random(args.seed)
    return [
        RemoteClient(
            index,
            args.target,
            args.identity,
            stats,
            random.Random(rng.random()),
            people=people,
            home=homes[index % len(homes)] if homes else None,
            static=static,
            wrong=args.wrong_passwords if args.forwarded_for else None,
        )
        for index in range(args.clients)
    ]


def warm_sessions(target: Target, people: list[Person], stats: Stats, address) -> list:
    """Log these people in once, in parallel: (cookies, page) of each session, shared by the
    clients for "home"."""

    def one(person: Person):
        browser = Browser(target, address, stats, Backoff())
        home = browser.log_in(person, record=False)
        if home:
            home, _page = browser.landing("home", home, record=False)
        else:
            stats.error("warm-up", f"{person.email} could not log in")
        browser.close()
        return browser.cookies, home

    with ThreadPoolExecutor(max_workers=min(16, len(people) or 1)) as pool:
        return [(cookies, home) for cookies, home in pool.map(one, people) if home]


def log_out_warm_sessions(target: Target, homes, stats: Stats, address) -> None:
    """Leave no session of the run behind on someone's deployment."""
    for cookies, home in homes:
        browser = Browser(target, address, stats, Backoff())
        browser.cookies.update(cookies)
        with contextlib.suppress(OSError, http.client.HTTPException):
            browser.log_out(home, record=False)
        browser.close()


def measure(args, clients: list[Client], where: str, counts):
    """Warm every client up, let them loose for --seconds; the audit counts around it."""
    expect = Counter()
    start = Start(threading.Barrier(len(clients) + 1))
    per_client = max(1, args.max_requests // len(clients))
    threads = [
        threading.Thread(target=client_loop, args=(c, start, per_client, expect), daemon=True)
        for c in clients
    ]
    print(f"Warming up: {len(clients)} clients (not measured)")
    for thread in threads:
        thread.start()
    start.barrier.wait(timeout=600)
    before = counts() if counts else None
    started = time.time()
    start.deadline = started + args.seconds
    start.go.set()
    print(f"Measuring for {args.seconds:.0f} s, {where}")
    for thread in threads:
        thread.join(timeout=args.seconds + 120)
    elapsed = time.time() - started
    time.sleep(0.5)
    after = counts() if counts else None
    return expect, before, after, elapsed


def latency_rows(stats: Stats) -> dict:
    def row(values):
        return {
            "requests": len(values),
            "p50_ms": round(1000 * percentile(values, 50), 1),
            "p95_ms": round(1000 * percentile(values, 95), 1),
            "p99_ms": round(1000 * percentile(values, 99), 1),
        }

    rows = {kind: row(values) for kind, values in sorted(stats.latencies.items())}
    rows["all"] = row([s for values in stats.latencies.values() for s in values])
    return rows


def report(args, stats: Stats, elapsed: float, where: str, audit) -> int:
    """Print the figures; `audit` is (expected, before, after), None when writes are unseen."""
    rows = latency_rows(stats)
    server_errors = sum(n for status, n in stats.statuses.items() if status >= 500)
    print(f"\n{args.clients} clients, {elapsed:.1f} s, {where}, run {args.identity.run_id}")
    print(f"{'kind':<12}{'requests':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for kind, row in rows.items():
        print(
            f"{kind:<12}{row['requests']:>10}{row['p50_ms']:>10}{row['p95_ms']:>10}"
            f"{row['p99_ms']:>10}"
        )
    print(f"throughput: {rows['all']['requests'] / elapsed:.0f} requests/s")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine load average at the end (1, 5, 15 min; {os.cpu_count()} cores): {load}")
    print(f"status codes: {dict(sorted(stats.statuses.items()))}")
    print(
        f"server errors (5xx): {server_errors}; other errors: {len(stats.errors) - server_errors}"
    )
    for line in stats.errors[:10]:
        print(f"  {line}")
    print(f"throttled answers: {stats.counts['throttled']}")
    retries = ", ".join(f"{e} {n}" for e, n in sorted(stats.retries.items())) or "none"
    print(f"connection retries (back-off 50 ms doubling to 2 s, jitter): {retries}")
    for what, n in sorted(stats.counts.items()):
        if what != "throttled":
            print(f"{what}: {n}")
    lost = print_writes(audit, args)
    if args.json:
        write_json(args, stats, elapsed, rows, audit)
    return 1 if stats.errors or lost else 0


def print_writes(audit, args) -> dict:
    """The lost-write check, or why there is none; the lost writes."""
    if audit is None:
        print("lost writes: not checked (--url: the deployment's database is out of sight)")
        if args.people and not args.forwarded_for:
            print("wrong passwords: none (without --forwarded-for all clients are one address)")
        return {}
    expect, before, after = audit
    written = {event: after[event] - before[event] for event in expect}
    lost = {e: (expect[e], written[e]) for e in expect if expect[e] != written[e]}
    print(
        "audit events expected/written: "
        + ", ".join(f"{e} {expect[e]}/{written[e]}" for e in sorted(expect))
    )
    print("lost writes: " + (json.dumps(lost) if lost else "none"))
    return lost


def write_json(args, stats: Stats, elapsed: float, rows: dict, audit) -> None:
    figures = {
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "target": args.target.origin if args.url else "own server",
        "run_id": args.identity.run_id,
        "latency": rows,
        "statuses": dict(stats.statuses),
        "errors": stats.errors[:100],
        "throttled": stats.counts["throttled"],
        "retries": dict(stats.retries),
        "writes_checked": audit is not None,
    }
    if audit is not None:
        expect, before, after = audit
        figures["audit_expected"] = dict(expect)
        figures["audit_written"] = {event: after[event] - before[event] for event in expect}
    Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    sys.exit(main())
