"""`make bench`: ZorgPortaal against bare Django, on this machine, in the production setup.

gunicorn with gunicorn.conf.py (one worker per core, threads) on 127.0.0.1, DEBUG off, sessions
in Redis and data in PostgreSQL when they answer (else SQLite and no Redis; the header says
which). Every figure is a ratio to a baseline measured in the same run on the same server,
with the raw numbers beside it. Loopback only; every measurement is bounded in time; the server,
its database (`zorgportaal_bench`, made afresh) and its Redis database (14) are cleaned up.

    python -m bench.run [--seconds 3] [--no-profile | --profile] [--only WORDS]
    BENCH_DATABASE_URL=postgres://user@host:5432/x   a PostgreSQL server (database name ignored)
    BENCH_DATABASE_NAME=zorgportaal_bench            the database the bench makes and drops
    BENCH_REDIS_URL=redis://127.0.0.1:6379/14        a Redis database the bench may empty
    WEB_CONCURRENCY, GUNICORN_THREADS                as for `make serve`
"""

import argparse
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from base64 import b32encode, b64encode, urlsafe_b64encode
from dataclasses import dataclass, field
from pathlib import Path

from bench import load
from bench.browser import Browser, ServerDown, free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "paarse olifant danst op het dak"  # noqa: S105 (a bench account's)
BENCH_DATABASE = os.environ.get("BENCH_DATABASE_NAME", "zorgportaal_bench")
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
COLUMNS = ["measurement", "ZorgPortaal", "baseline", "unit", "ratio"]
COLUMNS += ["CPU ms ZP", "CPU ms base", "CPU ratio", "goal", "met"]
CSV_HEADER = "upn,serial number,secret key,time interval,manufacturer,model\n"


@dataclass
class Row:
    name: str
    ours: float
    baseline: float
    unit: str
    baseline_label: str
    goal: float | None = None
    higher_is_better: bool = True
    note: str = ""
    profile: list = field(default_factory=list)  # (label, path, headers) to profile if missed
    ours_cpu_ms: float = 0.0  # server CPU per request (or per hash), when measured
    baseline_cpu_ms: float = 0.0

    @property
    def ratio(self) -> float:
        """ZorgPortaal's speed relative to the baseline's, wall clock: 1.0 is as fast."""
        if not self.ours or not self.baseline:
            return 0.0
        return self.ours / self.baseline if self.higher_is_better else self.baseline / self.ours

    @property
    def cpu_ratio(self) -> float | None:
        """The baseline's CPU per request over ours: the ratio of capacity on its own cores."""
        if not self.ours_cpu_ms or not self.baseline_cpu_ms:
            return None
        return self.baseline_cpu_ms / self.ours_cpu_ms

    @property
    def met(self) -> str:
        if self.goal is None:
            return "-"
        judged = self.cpu_ratio if self.cpu_ratio is not None else self.ratio
        return "yes" if judged >= self.goal else "NO"


# The environment: database, Redis, the server


def postgres_server_url() -> str | None:
    """The PostgreSQL server to use, or None when none answers."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES)
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    try:
        run_on_postgres(url, "SELECT 1")
    except Exception:
        return None
    return url


def run_on_postgres(server_url: str, sql: str) -> None:
    import dj_database_url
    import psycopg

    server = dj_database_url.parse(server_url)
    with psycopg.connect(
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        user=server["USER"] or None,
        password=server["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=3,
    ) as conn:
        conn.execute(sql)


def with_database(server_url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(server_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def redis_url() -> str:
    """The bench's own Redis database, emptied, or "" when Redis does not answer."""
    url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    return url if empty_redis(url) else ""


def empty_redis(url: str) -> bool:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        client.flushdb()
        client.close()
    except Exception:
        return False
    return True


class Server:
    """gunicorn -c gunicorn.conf.py, as `make serve` runs it, stopped at the end in any case."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log = env, log
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_healthy(f"http://{self.env['BIND']}", self.process)
        except ServerDown as down:
            raise SystemExit(f"gunicorn: {down}\n{self.log.read_text()}") from None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def pids(self) -> list[int]:
        """gunicorn's processes and the PostgreSQL backends serving the bench database."""
        pids = [self.process.pid]
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            if _parent(entry) == self.process.pid:
                pids.append(int(entry.name))
            else:
                try:
                    command = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if command.startswith(b"postgres:") and BENCH_DATABASE.encode() in command:
                    pids.append(int(entry.name))
        return pids

    def memory(self) -> list[tuple[str, int, int]]:
        """(process, RSS KiB, peak RSS KiB) of the master and each worker."""
        master = self.process.pid
        rows = [("master", *_rss(master))]
        for entry in sorted(Path("/proc").iterdir(), key=lambda p: p.name):
            if entry.name.isdigit() and _parent(entry) == master:
                rows.append((f"worker {entry.name}", *_rss(int(entry.name))))
        return rows


def _parent(proc: Path) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _rss(pid: int) -> tuple[int, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


# Setting up sessions


def browser_on(port: int) -> Browser:
    """A person's browser on the bench server."""
    return Browser(f"http://{load.HOST}:{port}")


def log_in(browser: Browser, user, *, code_device=None) -> None:
    """The password step, then the code of `code_device` when given."""
    browser.request("/inloggen/")
    status, location, _ = browser.request("/inloggen/", {"email": user.email, "password": PASSWORD})
    assert (status, location) == (302, "/inloggen/code/"), (status, location)
    if code_device is not None:
        from tokens.testing import device_code

        _, _, page = browser.request("/inloggen/code/")
        device = re.search(r'name="device" value="([^"]+)"', page).group(1)
        status, _, _ = browser.request(
            "/inloggen/code/", {"device": device, "code": device_code(code_device)}
        )
        assert status == 302, status


# The measurements


def compare(
    args, port, ours, baseline, check, *, concurrency, rounds=3, seconds=None, before_each=None
):
    """Alternate ours and the baseline (rounds × seconds/rounds each, args.seconds unless given)
    so drift hits both; `before_each()` runs before every one of those runs, outside the
    measured time."""
    ours_runs, base_runs = [], []
    for _ in range(rounds):
        for requests, runs in ((ours, ours_runs), (baseline, base_runs)):
            if before_each is not None:
                before_each()
            runs.append(
                load.run(
                    port,
                    requests,
                    check,
                    concurrency=concurrency,
                    seconds=(seconds or args.seconds) / rounds,
                    server_pids=args.server_pids,
                )
            )
    return _merge(ours_runs), _merge(base_runs)


def _merge(runs: list[load.Load]) -> load.Load:
    merged = load.Load(rate=statistics.mean(r.rate for r in runs))
    for run in runs:
        merged.all_count += run.all_count
        merged.cpu_seconds += run.cpu_seconds
        merged.count += run.count
        merged.errors += run.errors
        merged.first_error = merged.first_error or run.first_error
        merged.latencies.extend(run.latencies)
    return merged


def checked(result: load.Load, what: str) -> load.Load:
    if result.errors:
        raise SystemExit(f"{what}: {result.errors} wrong answers, first: {result.first_error}")
    return result


def bench_login_page(port, args) -> Row:
    def ok(status, response, body):
        return status == 200 and b'name="password"' in body

    ours, base = compare(
        args,
        port,
        lambda i: ("GET", "/inloggen/", None, {}),
        lambda i: ("GET", "/bench/login/", None, {}),
        ok,
        concurrency=args.concurrency,
    )
    sizes = [
        len(browser_on(port).request(path)[2].encode()) for path in ("/inloggen/", "/bench/login/")
    ]
    return Row(
        "login page GET",
        checked(ours, "login page").rate,
        checked(base, "bare LoginView").rate,
        "req/s",
        f"Django LoginView, {sizes[1] / 1000:.1f} kB (ours {sizes[0] / 1000:.1f} kB)",
        goal=0.8,
        profile=[("login page", "/inloggen/", {}), ("bare LoginView", "/bench/login/", {})],
        ours_cpu_ms=ours.cpu_ms,
        baseline_cpu_ms=base.cpu_ms,
    )


def bench_password_step(port, args, user) -> Row:
    from django.conf import settings

    from accounts.hashers import ZorgPortaalArgon2PasswordHasher as Hasher

    browser = browser_on(port)
    browser.request("/inloggen/")
    cookie = f"{settings.CSRF_COOKIE_NAME}={browser.cookie(settings.CSRF_COOKIE_NAME)}"
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": browser.csrf, "email": user.email, "password": PASSWORD}
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}

    def ok(status, response, data):
        return status == 302 and response.getheader("Location") == "/inloggen/code/"

    params = {
        "time_cost": Hasher.time_cost,
        "memory_cost": Hasher.memory_cost,
        "parallelism": Hasher.parallelism,
    }
    # As many hashes at once as logins in flight, so both get the same share of the cores
    # (and of a busy machine); alternated, like every comparison.
    in_flight, seconds = 2 * args.cores, max(args.seconds, 3.0)
    login_runs, hash_runs = [], []
    for _ in range(2):
        login_runs.append(
            load.run(
                port,
                lambda i: ("POST", "/inloggen/", body, headers),
                ok,
                concurrency=in_flight,
                seconds=seconds,
                server_pids=args.server_pids,
            )
        )
        hash_runs.append(load.argon2_rate(processes=in_flight, seconds=seconds, params=params))
    logins = _merge(login_runs)
    hashes = statistics.mean(rate for rate, _ in hash_runs)
    hash_cpu_ms = statistics.mean(cpu_ms for _, cpu_ms in hash_runs)
    return Row(
        "password step POST (Argon2)",
        checked(logins, "password step").rate,
        hashes,
        "logins/s",
        f"argon2-cffi hashes/s, m={Hasher.memory_cost // 1024} MiB t={Hasher.time_cost} "
        f"p={Hasher.parallelism}, {in_flight} processes",
        goal=0.9,
        note=f"{hash_cpu_ms:.0f} ms CPU per raw hash, {logins.cpu_ms:.0f} ms server CPU per "
        f"login; {logins.mean_ms:.0f} ms mean login latency with {in_flight} in flight",
        ours_cpu_ms=logins.cpu_ms,
        baseline_cpu_ms=hash_cpu_ms,
    )


def login_overhead_ms(organisation, role, repeat: int = 100) -> float:
    """CPU ms of everything but Argon2 in one password step: the same POST, in-process, for an
    account whose password hash is trivial (this process + its PostgreSQL backend)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings

    from accounts.models import User

    cheap = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(PASSWORD_HASHERS=cheap):
        email = f"overhead-{secrets.token_hex(3)}@example.org"
        User.objects.create_user(email, PASSWORD, organisation=organisation, role=role)
        client = Client(HTTP_HOST=load.HOST)
        client.get("/inloggen/")
        backend = []
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = [cursor.fetchone()[0]]

        def log_in():
            client.cookies.pop(settings.SESSION_COOKIE_NAME, None)
            response = client.post("/inloggen/", {"email": email, "password": PASSWORD})
            assert response.status_code == 302, response.status_code

        log_in()
        before, cpu = load.cpu_times(backend), time.process_time()
        for _ in range(repeat):
            log_in()
        spent = time.process_time() - cpu + load.cpu_spent(before, load.cpu_times(backend))
    return 1000 * spent / repeat


def bench_passkey_login(organisation, role, logins: int = 20) -> Row:
    """A whole login, in-process (this process + its PostgreSQL backend, CPU): "Inloggen met
    passkey" (the login page, the key's answer checked) against password + app code (the login
    page, Argon2, the code). Each login is a person of its own: a code is accepted once per
    30-second step. Passkeys need a secure origin, which the bench's plain-http server is not,
    so this runs under https settings in the bench process itself."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.utils import timezone
    from django_otp_webauthn.models import WebAuthnCredential

    from accounts.models import User
    from tests.support import SoftKey, options_of
    from tokens.models import AppDevice
    from tokens.testing import device_code

    site = {"PASSKEYS_ENABLED": True, "SITE_URL": "https://portaal.example.nl"}
    backend = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = [cursor.fetchone()[0]]

    def person(kind: str, n: int):
        return User.objects.create_user(
            f"{kind}-{n}-{secrets.token_hex(3)}@example.org",
            PASSWORD,
            organisation=organisation,
            role=role,
            identity_verified_at=timezone.now(),
        )

    def with_key(n: int):
        key, user = SoftKey(), person("passkey", n)
        WebAuthnCredential.objects.create(
            user=user,
            name="Sleutel",
            confirmed=True,
            credential_id=key.credential_id,
            credential_id_sha256=hashlib.sha256(key.credential_id).hexdigest(),
            public_key=key._cose_key(),
        )
        return key

    def passkey_login(key) -> None:
        client = Client(HTTP_HOST=load.HOST)
        options = options_of(client.get("/inloggen/"))
        answer = client.post("/inloggen/passkey/", {"credential": key.assert_(options)})
        assert answer["Location"] == "/portaal/", answer.status_code

    def code_login(device) -> None:
        client = Client(HTTP_HOST=load.HOST)
        client.get("/inloggen/")
        answer = client.post("/inloggen/", {"email": device.user.email, "password": PASSWORD})
        assert answer["Location"] == "/inloggen/code/", answer.status_code
        code = {"device": device.persistent_id, "code": device_code(device)}
        assert client.post("/inloggen/code/", code)["Location"] == "/portaal/"

    def login_page(_n) -> None:
        assert Client(HTTP_HOST=load.HOST).get("/inloggen/").status_code == 200

    def cpu_ms(login, people) -> tuple[float, float]:
        """CPU ms and wall ms per login, the median of the people's."""
        cpu, wall = [], []
        for someone in people:
            before, started, clock = load.cpu_times(backend), time.process_time(), time.time()
            login(someone)
            spent = load.cpu_spent(before, load.cpu_times(backend))
            cpu.append(time.process_time() - started + spent)
            wall.append(time.time() - clock)
        return 1000 * statistics.median(cpu), 1000 * statistics.median(wall)

    with override_settings(**site, ALLOWED_HOSTS=[load.HOST]):
        keys = [with_key(n) for n in range(logins + 1)]
        apps = [
            AppDevice.objects.create(user=person("code", n), name="App", confirmed=True)
            for n in range(logins + 1)
        ]
        passkey_login(keys.pop())  # warm up both paths
        code_login(apps.pop())
        passkey_cpu, passkey_wall = cpu_ms(passkey_login, keys)
        code_cpu, code_wall = cpu_ms(code_login, apps)
        page_with, _ = cpu_ms(login_page, range(200))
    with override_settings(PASSKEYS_ENABLED=False, ALLOWED_HOSTS=[load.HOST]):
        page_without, _ = cpu_ms(login_page, range(200))
    return Row(
        "whole login: passkey alone",
        1000 / passkey_wall,
        1000 / code_wall,
        "logins/s, one at a time",
        "password + app code (login page, Argon2, code), in-process",
        note=f"median of {logins}: {passkey_cpu:.1f} ms CPU and {passkey_wall:.1f} ms wall per "
        f"passkey login, {code_cpu:.1f} ms CPU and {code_wall:.1f} ms wall per password + code "
        "login (this process and its database backend); the login page GET of a new visitor "
        f"{page_with:.2f} ms CPU with passkeys on (its challenge kept in a new session), "
        f"{page_without:.2f} ms with them off",
        ours_cpu_ms=passkey_cpu,
        baseline_cpu_ms=code_cpu,
    )


def bench_chat_poll(port, args, user, device) -> Row:
    from verification.models import Message

    browser = browser_on(port)
    log_in(browser, user, code_device=device)
    status, location, _ = browser.request("/verificatie/chat/starten/", {})
    assert status == 302 and "/verificatie/chat/" in location, (status, location)
    pk = int(re.search(r"/chat/(\d+)/", location).group(1))
    last = Message.objects.filter(conversation_id=pk).order_by("-id").values_list("id", flat=True)
    lines = f"/verificatie/chat/{pk}/berichten/?na={last.first() or 0}"
    headers = {"Cookie": browser.cookie_header(), "X-Requested-With": "fetch"}
    poll = {}

    def as_chat_js_polls():
        """With the version the last answer gave: while its Redis stamps hold, no SQL at all.
        Asked before every run, as a stamp lives a minute (verification.versions)."""
        status, _, body = browser.request(lines + "&v=")
        assert status == 200, status
        poll["url"] = lines + "&v=" + urllib.parse.quote(json.loads(body)["version"])

    def ok(status, response, body):
        return status == 204

    ours, base = compare(
        args,
        port,
        lambda i: ("GET", poll["url"], None, headers),
        lambda i: ("GET", "/bench/204/", None, headers),
        ok,
        concurrency=args.concurrency,
        before_each=as_chat_js_polls,
    )
    return Row(
        "empty chat poll GET",
        checked(ours, "chat poll").rate,
        checked(base, "bare 204").rate,
        "req/s",
        "bare Django view answering 204, same session",
        goal=0.9,
        profile=[("empty chat poll", poll["url"], headers), ("bare 204", "/bench/204/", headers)],
        ours_cpu_ms=ours.cpu_ms,
        baseline_cpu_ms=base.cpu_ms,
    )


# Single sign-on: ZorgPortaal's /oidc/ endpoints against django-oauth-toolkit's bare views
# (bench/baseline_urls.py), for one client both use


SSO_REDIRECT_URI = "https://dienst.example.org/oidc/callback"
SSO_SCOPE = "openid profile email"
# No machine checks a client secret (Argon2id, 64 MiB, three passes) faster than this: a round
# of code exchanges gets a fresh code for every exchange it could make at that pace.
FASTEST_EXCHANGE = 0.02  # seconds
WARMUP = 0.5  # load.run's


@dataclass
class SsoClient:
    """A first-party service registered as the admin registers it, and what its software keeps:
    the client ID and secret, and one PKCE pair (a fresh one per request costs ours and the
    baseline the same, and nothing checks that they differ)."""

    application: object
    client_id: str
    secret: str
    verifier: str
    challenge: str

    def authorize_query(self) -> str:
        return urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": SSO_REDIRECT_URI,
                "scope": SSO_SCOPE,
                "state": "bench-state",
                "nonce": "bench-nonce",
                "code_challenge": self.challenge,
                "code_challenge_method": "S256",
            }
        )

    def token_request(self, path: str, code: str) -> load.Request:
        body = urllib.parse.urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": SSO_REDIRECT_URI,
                "code_verifier": self.verifier,
            }
        ).encode()
        pair = f"{self.client_id}:{self.secret}".encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Basic " + b64encode(pair).decode(),
        }
        return "POST", path, body, headers


def sso_client() -> SsoClient:
    """One Application for ours and the bare views, so both check the same secret's hash and
    sign with the same key. DOT's bare authorization view skips its consent page only for an
    Application marked `skip_authorization`; ours asks `Service.first_party` and ignores it."""
    from oauth2_provider.models import get_application_model

    from portal import clients
    from portal.models import Service

    service = Service.objects.create(
        name="Bench Dienst", url="https://dienst.example.org/", first_party=True
    )
    secret = clients.client_save(
        service, redirect_uris=[SSO_REDIRECT_URI], post_logout_redirect_uris=[]
    )
    application = get_application_model().objects.get(pk=service.application_id)
    application.skip_authorization = True
    application.save(update_fields=["skip_authorization"])
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = urlsafe_b64encode(digest).rstrip(b"=").decode()
    return SsoClient(application, application.client_id, secret, verifier, challenge)


def mint_codes(client: SsoClient, user, count: int) -> list[str]:
    """Codes as the authorization endpoint leaves them, written in one go from this process: a
    Grant each (all DOT's token view reads) and a SignIn (what ours reads besides: the login
    behind the code). Valid 60 s and single-use, so every round gets its own, made just
    before it (outside the measured time)."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone
    from oauth2_provider.models import get_grant_model
    from oauth2_provider.settings import oauth2_settings

    from sso.models import SignIn
    from sso.validators import code_hash

    Grant = get_grant_model()
    now = timezone.now()
    expires = now + timedelta(seconds=oauth2_settings.AUTHORIZATION_CODE_EXPIRE_SECONDS)
    login_id = secrets.token_hex(16)
    codes = [secrets.token_urlsafe(30) for _ in range(count)]
    with transaction.atomic():
        Grant.objects.bulk_create(
            Grant(
                application=client.application,
                user=user,
                code=code,
                expires=expires,
                redirect_uri=SSO_REDIRECT_URI,
                scope=SSO_SCOPE,
                code_challenge=client.challenge,
                code_challenge_method="S256",
                nonce="bench-nonce",
                claims="{}",
            )
            for code in codes
        )
        SignIn.objects.bulk_create(
            SignIn(
                user=user,
                application=client.application,
                login_id=login_id,
                authenticated_at=now,
                methods=["pwd", "otp", "swk", "mfa"],
                code_hash=code_hash(code),
            )
            for code in codes
        )
    return codes


def sso_queries(requests) -> list[int]:
    """SQL queries of each (method, path, body, headers), in-process against the same database
    (the Cookie header carries a live session: sessions are in the shared Redis/database)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = []
    for method, path, body, headers in requests:
        client = Client(HTTP_HOST=load.HOST, headers=headers)
        with CaptureQueriesContext(connection) as queries:
            if method == "POST":
                client.post(path, body, content_type=headers["Content-Type"])
            else:
                client.get(path)
        counts.append(len(queries))
    return counts


def bench_authorize(port, args, client: SsoClient, browser: Browser) -> Row:
    query = client.authorize_query()
    headers = {"Cookie": browser.cookie_header()}

    def ok(status, response, body):
        location = response.getheader("Location", "")
        return status == 302 and location.startswith(SSO_REDIRECT_URI + "?code=")

    ours_path, base_path = f"/oidc/authorize/?{query}", f"/bench/oidc/authorize/?{query}"
    ours, base = compare(
        args,
        port,
        lambda i: ("GET", ours_path, None, headers),
        lambda i: ("GET", base_path, None, headers),
        ok,
        concurrency=args.concurrency,
    )
    queries = sso_queries([("GET", ours_path, None, headers), ("GET", base_path, None, headers)])
    return Row(
        "authorize, logged in, no consent",
        checked(ours, "authorize").rate,
        checked(base, "bare AuthorizationView").rate,
        "codes/s",
        "DOT's AuthorizationView, DOT's validator, the same client (skip_authorization), "
        "same session",
        goal=0.8,
        note=f"ours checks the journey, organisation and role, keeps the login behind the code "
        f"(SignIn) and audits it; SQL queries per code: ours {queries[0]}, bare {queries[1]}",
        profile=[("authorize", ours_path, headers), ("bare authorize", base_path, headers)],
        ours_cpu_ms=ours.cpu_ms,
        baseline_cpu_ms=base.cpu_ms,
    )


def bench_token_exchange(port, args, client: SsoClient, user) -> Row:
    # An exchange is a few hundred ms of Argon2: runs as long as the password step's, so that
    # every connection completes several after the warm-up.
    rounds, seconds = 2, 2 * max(args.seconds, 3.0)
    per_run = args.concurrency * (int((WARMUP + seconds / rounds) / FASTEST_EXCHANGE) + 1)
    codes: list[str] = []

    def fresh_codes():
        codes[:] = mint_codes(client, user, per_run)

    def exchange(path):
        # list.pop is atomic; an empty list gives a code that cannot work, counted as an error
        return lambda i: client.token_request(path, codes.pop() if codes else "used-up")

    def ok(status, response, body):
        return status == 200 and b'"id_token"' in body

    ours, base = compare(
        args,
        port,
        exchange("/oidc/token/"),
        exchange("/bench/oidc/token/"),
        ok,
        concurrency=args.concurrency,
        rounds=rounds,
        seconds=seconds,
        before_each=fresh_codes,
    )
    queries = sso_queries(
        [
            client.token_request(path, mint_codes(client, user, 1)[0])
            for path in ("/oidc/token/", "/bench/oidc/token/")
        ],
    )
    return Row(
        "code-for-token exchange",
        checked(ours, "token exchange").rate,
        checked(base, "bare TokenView").rate,
        "tokens/s",
        "DOT's TokenView, DOT's validator, the same client",
        goal=0.9,
        note="both check the client secret against the same Application's hash with the first "
        "PASSWORD_HASHER (Argon2id, m=64 MiB t=3), most of an exchange, so the ratio is fair; "
        "both are audited (sso.views.tokens_issued hears the library's signal from either); "
        f"fresh codes before each run ({per_run}); SQL queries per exchange: ours "
        f"{queries[0]}, bare {queries[1]}",
        ours_cpu_ms=ours.cpu_ms,
        baseline_cpu_ms=base.cpu_ms,
    )


def access_token(port, client: SsoClient, user) -> str:
    """A token for the userinfo rows, from a code exchanged at ours as a service would."""
    import http.client
    import json

    method, path, body, headers = client.token_request(
        "/oidc/token/", mint_codes(client, user, 1)[0]
    )
    conn = http.client.HTTPConnection(load.HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise SystemExit(f"token exchange: {response.status} {data[:200]!r}")
    return json.loads(data)["access_token"]


def bench_userinfo(port, args, client: SsoClient, user) -> Row:
    headers = {"Authorization": f"Bearer {access_token(port, client, user)}"}

    def ok(status, response, body):
        return status == 200 and b'"sub"' in body

    ours, base = compare(
        args,
        port,
        lambda i: ("GET", "/oidc/userinfo/", None, headers),
        lambda i: ("GET", "/bench/oidc/userinfo/", None, headers),
        ok,
        concurrency=args.concurrency,
    )
    queries = sso_queries(
        [("GET", path, None, headers) for path in ("/oidc/userinfo/", "/bench/oidc/userinfo/")],
    )
    return Row(
        "userinfo with a bearer token",
        checked(ours, "userinfo").rate,
        checked(base, "bare UserInfoView").rate,
        "req/s",
        "DOT's UserInfoView, DOT's validator (only `sub`), the same token",
        goal=0.9,
        note=f"ours adds the pairwise subject and the profile and e-mail claims; SQL queries: "
        f"ours {queries[0]}, bare {queries[1]}",
        profile=[
            ("userinfo", "/oidc/userinfo/", headers),
            ("bare userinfo", "/bench/oidc/userinfo/", headers),
        ],
        ours_cpu_ms=ours.cpu_ms,
        baseline_cpu_ms=base.cpu_ms,
    )


def bench_published(port, args, name: str, path: str) -> Row:
    """Discovery and the JWKS are the same for everyone and fetched by every service, which may
    keep them an hour: every answer must say so (`Cache-Control: public, max-age=3600`)."""

    def ok(status, response, body):
        if status == 204:
            return True  # the baseline
        cache = {part.strip() for part in response.getheader("Cache-Control", "").split(",")}
        return status == 200 and {"public", "max-age=3600"} <= cache

    ours, base = compare(
        args,
        port,
        lambda i: ("GET", path, None, {}),
        lambda i: ("GET", "/bench/204/", None, {}),
        ok,
        concurrency=args.concurrency,
    )
    return Row(
        name,
        checked(ours, name).rate,
        checked(base, "bare 204").rate,
        "req/s",
        "bare Django view answering 204, no session",
        note="every answer checked for Cache-Control: public, max-age=3600: a service fetches "
        "it once an hour",
        profile=[(name, path, {})],
        ours_cpu_ms=ours.cpu_ms,
        baseline_cpu_ms=base.cpu_ms,
    )


def enrolment_browser(port, user) -> Browser:
    browser = browser_on(port)
    log_in(browser, user)  # no second factor yet: "Authenticatiemiddel kiezen"
    assert browser.request("/registreren/app/")[0] == 200
    return browser


def bench_app_page(port, args, browser) -> Row:
    """The app page ("App instellen") against the step before it: at most twice its time."""
    import qrcode
    from qrcode.image.svg import SvgPathFillImage

    from tokens import qr, services
    from tokens.models import AppDevice

    headers = {"Cookie": browser.cookie_header()}

    def ok(status, response, body):
        return status == 200

    ours, base = compare(
        args,
        port,
        lambda i: ("GET", "/registreren/app/", None, headers),
        lambda i: ("GET", "/registreren/authenticatiemiddel/", None, headers),
        ok,
        concurrency=1,
    )
    device = AppDevice.objects.filter(confirmed=False).select_related("user").last()
    uri = services.otpauth_uri(device)

    def per_call_ms(draw, times):
        started = time.perf_counter()
        for _ in range(times):
            draw(uri)
        return (time.perf_counter() - started) * 1000 / times

    qr_ms = per_call_ms(qr.qr_svg, 200)
    factory_ms = per_call_ms(
        lambda data: qrcode.make(data, image_factory=SvgPathFillImage).to_string(), 10
    )
    return Row(
        "app enrolment page with QR code",
        checked(ours, "app page").mean_ms,
        checked(base, "choose factor page").mean_ms,
        "ms/render",
        "the step before it ('Authenticatiemiddel kiezen'), same session",
        goal=0.5,
        higher_is_better=False,
        note=f"goal: at most 2x the step before it; one request at a time; drawing the QR code "
        f"takes {qr_ms:.2f} ms (qrcode's make() and SVG image factory: {factory_ms:.1f} ms)",
        profile=[
            ("app page", "/registreren/app/", headers),
            ("choose factor page", "/registreren/authenticatiemiddel/", headers),
        ],
        ours_cpu_ms=ours.cpu_ms,
        baseline_cpu_ms=base.cpu_ms,
    )


def csv_data(rows: int, prefix: str) -> bytes:
    lines = [CSV_HEADER]
    for n in range(rows):
        secret = b32encode(secrets.token_bytes(20)).decode()
        lines.append(f"bench{n}@example.org,{prefix}{n:06d},{secret},30,Feitian,OTP c200\n")
    return "".join(lines).encode()


def multipart(fields: dict, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="csv_file"; '
        f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def bulk_insert_rate(rows: int, prefix: str) -> float:
    """The database's floor: the same number of inventory rows, encrypted beforehand."""
    from django.db import transaction

    from tokens.crypto import encrypt_seed
    from tokens.models import AzureCsvImport, HardwareToken

    batch = AzureCsvImport.objects.create(filename="baseline", source="command", token_count=rows)
    tokens = [
        HardwareToken(
            serial=f"{prefix}{n:06d}",
            encrypted_seed=encrypt_seed(secrets.token_bytes(20)),
            interval=30,
            csv_import=batch,
        )
        for n in range(rows)
    ]
    started = time.perf_counter()
    with transaction.atomic():
        HardwareToken.objects.bulk_create(tokens)
    return rows / (time.perf_counter() - started)


def bench_csv(port, args, browser, tmp: Path) -> list[Row]:
    import http.client

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Organisation
    from tokens import services

    run_id = secrets.token_hex(3).upper()
    timings = []
    for upload in range(5):
        browser.request("/registreren/token/")  # a fresh CSRF token, as the page gives
        body, content_type = multipart(
            {"csrfmiddlewaretoken": browser.csrf},
            "tokens.csv",
            csv_data(200, f"U{run_id}{upload}-"),
        )
        conn = http.client.HTTPConnection(
            load.HOST, int(browser.base.rsplit(":", 1)[1]), timeout=60
        )
        started = time.perf_counter()
        conn.request(
            "POST",
            "/registreren/token/uploaden/",
            body=body,
            headers={"Content-Type": content_type, "Cookie": browser.cookie_header()},
        )
        response = conn.getresponse()
        response.read()
        timings.append(time.perf_counter() - started)
        conn.close()
        location = response.getheader("Location")
        if (response.status, location) != (302, "/registreren/token/"):
            raise SystemExit(f"CSV upload: {response.status} {location}")
    upload_rate = 200 / statistics.median(timings)

    def import_queries(rows: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            services.tokens_import_azure_csv(
                data=csv_data(rows, f"Q{run_id}{rows}-"),
                filename="count.csv",
                imported_by=None,
                organisation=Organisation.objects.get(name="Bench Zorggroep"),
                source="command",
                max_rows=50_000,
                max_bytes=10 * 1024 * 1024,
            )
        return len(queries)

    queries_200, queries_2000 = import_queries(200), import_queries(2000)
    big = tmp / "tokens-10000.csv"
    big.write_bytes(csv_data(10_000, f"C{run_id}-"))
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        call_command(
            "import_azure_csv",
            str(big),
            "--organisation",
            "Bench Zorggroep",
            stdout=io.StringIO(),
        )
        command_rate = 10_000 / (time.perf_counter() - started)
    return [
        Row(
            "Azure CSV upload, 200 lines (HTTP)",
            upload_rate,
            bulk_insert_rate(200, f"B{run_id}-"),
            "rows/s",
            "bulk_create of 200 encrypted rows (in-process)",
            note=f"median of 5 uploads: {1000 * statistics.median(timings):.0f} ms; "
            f"{queries_200} queries per 200-line import, {queries_2000} per 2,000",
        ),
        Row(
            "manage.py import_azure_csv, 10,000 lines",
            command_rate,
            bulk_insert_rate(10_000, f"D{run_id}-"),
            "rows/s",
            "bulk_create of 10,000 encrypted rows",
            note=f"{len(queries)} queries per 10,000-line import (serials checked 500 at a time)",
        ),
    ]


# SQL queries per page, in-process with Django's test client against the same database


def queries_per_page(organisation, role) -> list[tuple[str, str, int, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts import invitations
    from accounts.models import Invitation, User
    from tokens.models import AppDevice
    from tokens.testing import device_code
    from verification.models import Message

    address = f"journey-{secrets.token_hex(3)}@example.org"
    # With a name, as the servicedesk invites: without one the password page asks for it.
    invitations.invitations_create(
        text=f"Bench Persoon <{address}>", organisation=organisation, role=role
    )
    invitation = Invitation.objects.get(email=address)
    token = invitation.new_token()
    invitation.save(update_fields=["token_hash", "link_salt"])

    client = Client(HTTP_HOST=load.HOST)
    rows = []

    def step(label, method, path, data=None, **extra):
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(path, data, **extra)
        shown = path.replace(token, "<token>")  # a link token is a secret, even a bench's
        rows.append((label, f"{method.upper()} {shown}", response.status_code, len(queries)))
        return response

    def device():
        return AppDevice.objects.filter(user__email=address).order_by("-pk").first()

    step("start page", "get", "/")
    step("login page", "get", "/inloggen/")
    step("health check", "get", "/healthz")
    step("invitation link", "get", f"/uitnodiging/{token}/")
    step("password (registration)", "get", "/registreren/wachtwoord/")
    step(
        "password chosen",
        "post",
        "/registreren/wachtwoord/",
        {"password1": PASSWORD, "password2": PASSWORD},
    )
    step("choose factor", "get", "/registreren/authenticatiemiddel/")
    step("token page", "get", "/registreren/token/")
    step("app page with QR code", "get", "/registreren/app/")
    step("app confirmed", "post", "/registreren/app/", {"code": device_code(device())})
    step("account made", "get", "/registreren/klaar/")
    step("verification page", "get", "/verificatie/")
    chat = step("chat started", "post", "/verificatie/chat/starten/")
    chat_path = chat["Location"]
    step("chat page", "get", chat_path)
    step("chat message sent", "post", chat_path + "bericht/", {"text": "Goedemorgen"})
    last = Message.objects.filter(conversation__person__email=address).order_by("-id").first()
    step("chat poll, new line", "get", f"{chat_path}berichten/?na=0", HTTP_X_REQUESTED_WITH="fetch")
    step(
        "chat poll, empty",
        "get",
        f"{chat_path}berichten/?na={last.pk}",
        HTTP_X_REQUESTED_WITH="fetch",
    )
    User.objects.filter(email=address).update(identity_verified_at=timezone.now())
    step("portal", "get", "/portaal/")
    step("my account", "get", "/mijn-account/")
    step("log out", "post", "/uitloggen/")
    step("password (login)", "post", "/inloggen/", {"email": address, "password": PASSWORD})
    step("code page", "get", "/inloggen/code/")
    step(
        "code given",
        "post",
        "/inloggen/code/",
        {"device": device().persistent_id, "code": device_code(device(), drift=1)},
    )
    step("portal after login", "get", "/portaal/")
    return rows


def profile(paths: list[tuple[str, str, dict]], repeat: int = 200) -> str:
    """Where the time of these requests goes, in-process (pyinstrument, when installed): the
    functions with the most time of their own, as a share of the whole."""
    from django.test import Client

    out = []
    for label, path, headers in paths:
        client = Client(HTTP_HOST=load.HOST, headers={k.lower(): v for k, v in headers.items()})
        client.get(path)

        def requests(client=client, path=path):
            for _ in range(repeat):
                client.get(path)

        out.append(profiled(f"{label}: GET {path}, {repeat} requests", requests))
    return "\n".join(out)


def profiled(label: str, work, lines: int = 14, *, tree: bool = False) -> str:
    """A flat list of the functions with the most time of their own, or the call tree."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return f"--- {label}: install the bench extra for a profile (pip install -e '.[bench]')"
    profiler = Profiler(interval=0.0005)
    profiler.start()
    work()
    profiler.stop()
    if tree:
        text = profiler.output_text(unicode=True, color=False, time="percent_of_total")
        kept = [line for line in text.splitlines() if "%" in line][:lines]
        return f"--- {label} (in-process; call tree, share of the whole)\n" + "\n".join(kept)
    text = profiler.output_text(unicode=True, color=False, flat=True, time="percent_of_total")
    kept = [line for line in text.splitlines() if "%" in line][:lines]
    return f"--- {label} (in-process; share of the time spent in each function itself)\n" + (
        "\n".join(kept)
    )


def profile_import(rows: int = 2000) -> str:
    from accounts.models import Organisation
    from tokens import services

    data = csv_data(rows, f"P{secrets.token_hex(3).upper()}-")
    return profiled(
        f"Azure CSV import of {rows} lines",
        lambda: services.tokens_import_azure_csv(
            data=data,
            filename="profile.csv",
            imported_by=None,
            organisation=Organisation.objects.get(name="Bench Zorggroep"),
            source="command",
            max_rows=50_000,
            max_bytes=10 * 1024 * 1024,
        ),
        lines=30,
        tree=True,
    )


# Output


def wanted(args, *names: str) -> bool:
    """Whether --only asks for a row with one of these names (no --only: every row)."""
    return not args.only or any(
        word.lower() in name.lower() for word in args.only for name in names
    )


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line.format(*headers), rule, *(line.format(*map(str, r)) for r in rows)])


def number(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement (default 3)")
    parser.add_argument("--no-profile", action="store_true", help="no profiles of missed goals")
    parser.add_argument("--profile", action="store_true", help="profile every page, met or not")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="WORDS",
        help="only the rows whose name holds these words, e.g. --only 'chat poll' (repeatable)",
    )
    args = parser.parse_args()
    args.cores = len(os.sched_getaffinity(0))
    args.concurrency = 2 * args.cores

    tmp = Path(tempfile.mkdtemp(prefix="zorgportaal-bench-"))
    postgres = postgres_server_url()
    database_url = (
        with_database(postgres, BENCH_DATABASE)
        if postgres
        else f"sqlite:///{tmp / 'bench.sqlite3'}"
    )
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(tmp)),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url(),
        "ALLOWED_HOSTS": load.HOST,
        "SITE_URL": f"http://{load.HOST}:{port}",
        # Plain http on 127.0.0.1 is no secure origin for keys; the people here use codes.
        "PASSKEYS_ENABLED": "false",
        "STATIC_ROOT": str(tmp / "static"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp / "mail"),
        "MAIL_QUEUE": "worker",
        "HELPDESK_OPENING_HOURS": "mon-sun 00:00-24:00",
        "HELPDESK_HOLIDAYS": "",
        # One bench person uploads 5 files of 200 tokens: above a person's daily limits.
        "AZURE_CSV_USER_UPLOADS_PER_DAY": "100",
        "AZURE_CSV_USER_TOKENS_PER_DAY": "10000",
        "BIND": f"{load.HOST}:{port}",
        "GUNICORN_ACCESS_LOG": str(tmp / "access.log"),
        "LOG_LEVEL": "WARNING",
        **{k: os.environ[k] for k in ("WEB_CONCURRENCY", "GUNICORN_THREADS") if k in os.environ},
    }
    server = Server(env, tmp / "gunicorn.log")
    try:
        if postgres:
            run_on_postgres(postgres, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
            run_on_postgres(postgres, f'CREATE DATABASE "{BENCH_DATABASE}"')
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            subprocess.run(  # noqa: S603 (manage.py, fixed arguments)
                [sys.executable, "manage.py", *command, "-v0"], cwd=ROOT, env=env, check=True
            )
        os.environ.update(env)
        import django

        django.setup()
        report(args, env, server, tmp, postgres)
    finally:
        server.stop()
        if postgres:
            from django.db import connections

            connections.close_all()
            run_on_postgres(postgres, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        if env["REDIS_URL"]:
            empty_redis(env["REDIS_URL"])
        shutil.rmtree(tmp, ignore_errors=True)


def report(args, env, server, tmp, postgres) -> None:
    from django.conf import settings
    from django.utils import timezone

    from accounts.models import Organisation, Role, User
    from tokens.models import AppDevice

    organisation = Organisation.objects.create(name="Bench Zorggroep")
    role = Role.objects.create(name="Bench")

    def person(email, *, verified, app):
        user = User.objects.create_user(
            email,
            PASSWORD,
            organisation=organisation,
            role=role,
            identity_verified_at=timezone.now() if verified else None,
        )
        device = AppDevice.objects.create(user=user, name="App", confirmed=True) if app else None
        return user, device

    login_user, _ = person("bench-login@example.org", verified=True, app=True)
    chat_user, chat_device = person("bench-chat@example.org", verified=False, app=True)
    enrol_user, _ = person("bench-enrol@example.org", verified=False, app=False)
    sso_user, sso_device = person("bench-sso@example.org", verified=True, app=True)

    server.start()
    args.server_pids = server.pids
    port = int(env["BIND"].rsplit(":", 1)[1])
    memory_idle = server.memory()
    workers, threads = len(memory_idle) - 1, int(os.environ.get("GUNICORN_THREADS", "4"))
    load1, load5, _ = os.getloadavg()
    print(
        f"ZorgPortaal bench: {args.cores} cores, gunicorn {workers} workers × {threads} threads, "
        f"{'PostgreSQL' if postgres else 'SQLite'}, sessions "
        f"{'in Redis (cached_db)' if env['REDIS_URL'] else 'in the database'}, DEBUG off; "
        f"{args.seconds:g} s per figure, {args.concurrency} connections (Python client, "
        f"loopback); load average before: {load1:.1f} {load5:.1f}",
        flush=True,
    )

    rows = []
    if wanted(args, "login page GET"):
        rows.append(bench_login_page(port, args))
    if wanted(args, "password step POST (Argon2)"):
        rows.append(bench_password_step(port, args, login_user))
        overhead = login_overhead_ms(organisation, role)
        rows[-1].note += (
            f"; everything but Argon2 in a login: {overhead:.1f} ms CPU (in-process, trivial "
            f"hash), so at 190 ms per hash (a quiet machine) one login is "
            f"{190 / (190 + overhead):.2f} hashes"
        )
    if wanted(args, "empty chat poll GET"):
        rows.append(bench_chat_poll(port, args, chat_user, chat_device))
    if wanted(args, "whole login: passkey alone"):
        rows.append(bench_passkey_login(organisation, role))
    sso_rows = ["authorize, logged in", "code-for-token exchange", "userinfo", "discovery", "JWKS"]
    if wanted(args, *sso_rows):
        sso = sso_client()
        sso_browser = browser_on(port)
        log_in(sso_browser, sso_user, code_device=sso_device)
        rows.append(bench_authorize(port, args, sso, sso_browser))
        rows.append(bench_token_exchange(port, args, sso, sso_user))
        rows.append(bench_userinfo(port, args, sso, sso_user))
        rows.append(
            bench_published(port, args, "discovery GET", "/oidc/.well-known/openid-configuration")
        )
        rows.append(bench_published(port, args, "JWKS GET", "/oidc/.well-known/jwks.json"))
    if wanted(args, "app enrolment page with QR code", "Azure CSV", "import_azure_csv"):
        enrol = enrolment_browser(port, enrol_user)
        rows.append(bench_app_page(port, args, enrol))
        rows.extend(bench_csv(port, args, enrol, tmp))
    rows = [row for row in rows if wanted(args, row.name)]
    memory_after = server.memory()

    print()
    print(
        table(
            COLUMNS,
            [
                [
                    r.name,
                    number(r.ours),
                    number(r.baseline),
                    r.unit,
                    f"{r.ratio:.2f}",
                    f"{r.ours_cpu_ms:.1f}" if r.cpu_ratio else "-",
                    f"{r.baseline_cpu_ms:.1f}" if r.cpu_ratio else "-",
                    f"{r.cpu_ratio:.2f}" if r.cpu_ratio else "-",
                    f">= {r.goal:.1f}" if r.goal else "-",
                    r.met,
                ]
                for r in rows
            ],
        )
    )
    print(
        "ratio: ZorgPortaal's speed ÷ the baseline's, wall clock (for ms: baseline ÷ ours).\n"
        "CPU ms: server CPU per request (gunicorn + its PostgreSQL backends; per hash for the\n"
        "raw Argon2 baseline); CPU ratio = baseline ÷ ZorgPortaal = the ratio of requests per\n"
        "second on cores of their own. Goals are judged on the CPU ratio when there is one: it\n"
        "stays put when other work shares the machine, wall-clock figures do not."
    )
    for r in rows:
        print(f"  {r.name}: baseline = {r.baseline_label}" + (f"; {r.note}" if r.note else ""))

    if not args.only:
        print()
        pages = queries_per_page(organisation, role)
        print(table(["page", "request", "status", "SQL queries"], [list(p) for p in pages]))
        engine = settings.SESSION_ENGINE.rsplit(".", 1)[1]
        print(f"Sessions: {engine}; a session read from Redis costs no SQL query.")

    print()
    peak = {name: hwm for name, _, hwm in memory_after}
    print(
        table(
            ["process", "RSS idle (MiB)", "RSS after the run (MiB)", "peak RSS (MiB)"],
            [
                [name, f"{idle / 1024:.0f}", f"{after / 1024:.0f}", f"{peak[name] / 1024:.0f}"]
                for (name, idle, _), (_, after, _) in zip(memory_idle, memory_after, strict=False)
            ],
        )
    )
    print("Peak RSS includes Argon2's 64 MiB per password being checked at that moment.")

    missed = [r for r in rows if r.met == "NO" or (args.profile and r.profile)]
    if missed and not args.no_profile:
        print()
        print("Where the time goes:")
        print(profile([target for row in missed for target in row.profile]))
    if args.profile:
        print(profile_import())


if __name__ == "__main__":
    main()
