"""Two gunicorn app servers sharing PostgreSQL and Redis: any server serves any request.

Runs when DATABASE_URL points to PostgreSQL and REDIS_URL is set (as in CI's PostgreSQL pass).
The servers are real: `gunicorn -c gunicorn.conf.py` with DEBUG=false, on two free loopback
ports, against a database of their own made with `migrate` (pytest-django's test database lives
inside one transaction the servers cannot see). A person's registration and login alternate
between them request by request; password failures counted on one are enforced on the other.
"""

import email
import os
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

import dj_database_url
import pytest

from bench.browser import Browser, ServerDown, free_port, wait_until_healthy
from tests.support import ROOT, manage
from tokens.testing import code_for, seed_of

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
PASSWORD = "blauwe giraffe leest de krant"
PERSON = "wisselend@delinde.example"

pytestmark = pytest.mark.skipif(
    not (DATABASE_URL.startswith(("postgres://", "postgresql://")) and REDIS_URL),
    reason="needs DATABASE_URL pointing to PostgreSQL and REDIS_URL",
)


class Database:
    """A database of its own on the PostgreSQL server of DATABASE_URL, dropped afterwards."""

    def __init__(self, name: str):
        self.name = name
        self.server = dj_database_url.parse(DATABASE_URL)
        parts = urllib.parse.urlsplit(DATABASE_URL)
        self.url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

    def _run(self, sql: str) -> None:
        import psycopg

        server = self.server
        with psycopg.connect(
            host=server["HOST"] or None,
            port=server["PORT"] or None,
            user=server["USER"] or None,
            password=server["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(sql)

    def create(self) -> None:
        self.drop()
        self._run(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two app servers; yields (environment, [server A's URL, server B's URL])."""
    tmp = tmp_path_factory.mktemp("multiserver")
    database = Database(f"zorgportaal_multiserver_{os.getpid()}")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "zorgportaal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "multiserver-test-key-" + "x" * 40,
        "DATABASE_URL": database.url,
        "REDIS_URL": REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "STATIC_ROOT": str(tmp / "static"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp / "mail"),
        "MAIL_QUEUE": "immediate",
        "HELPDESK_OPENING_HOURS": "mon-sun 00:00-24:00",
        "HELPDESK_HOLIDAYS": "",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
        "LOG_LEVEL": "WARNING",
    }
    database.create()
    processes = []
    try:
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        servers = []
        for name in ("a", "b"):
            port = free_port()
            log = (tmp / f"gunicorn-{name}.log").open("w")
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
                cwd=ROOT,
                env={**env, "BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": ""},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            processes.append(process)
            servers.append(f"http://127.0.0.1:{port}")
        for server, process in zip(servers, processes, strict=True):
            try:
                wait_until_healthy(server, process)
            except ServerDown as down:
                logs = "\n".join(p.read_text() for p in tmp.glob("gunicorn-*.log"))
                pytest.fail(f"gunicorn: {down}\n{logs}")
        yield env, servers
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        database.drop()


def invitation_path(mail_folder: Path) -> str:
    (mail_file,) = mail_folder.iterdir()
    raw = mail_file.read_bytes().split(b"\n" + b"-" * 79)[0]
    message = email.message_from_bytes(raw)
    text = next(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    )
    return re.search(r"(/uitnodiging/[^/\s]+/)", text).group(1)


def test_a_journey_alternating_between_two_servers_and_throttling_shared(cluster):
    env, (a, b) = cluster
    manage(
        env,
        "invite",
        f"Wim Wisselend <{PERSON}>",
        "--organisation",
        "Huisartsenpraktijk De Linde",
        "--role",
        "Doktersassistent",
        "--create-missing",
    )
    person = Browser()

    # Registration: link, password, authenticator app; every step on the other server.
    assert person.request(invitation_path(Path(env["EMAIL_FILE_PATH"])), server=a)[:2] == (
        302,
        "/registreren/wachtwoord/",
    )
    status, _, page = person.request("/registreren/wachtwoord/", server=b)
    assert status == 200 and PERSON in page
    password = {"password1": PASSWORD, "password2": PASSWORD}
    assert person.request("/registreren/wachtwoord/", password, server=a)[:2] == (
        302,
        "/registreren/authenticatiemiddel/",
    )
    assert person.request("/registreren/authenticatiemiddel/", server=b)[0] == 200
    status, _, page = person.request("/registreren/app/", server=a)
    assert status == 200
    secret = re.search(r"secret=([A-Z2-7]+)", page).group(1)
    app_code = {"code": code_for(seed_of(secret))}
    assert person.request("/registreren/app/", app_code, server=b)[:2] == (
        302,
        "/registreren/klaar/",
    )
    assert person.request("/registreren/klaar/", server=a)[0] == 200
    # The helpdesk is next.
    assert person.request("/portaal/", server=b)[:2] == (302, "/verificatie/")
    assert person.request("/verificatie/", server=a)[0] == 200

    # The helpdesk verifies the person; the session on both servers sees it.
    manage(
        env,
        "shell",
        "-c",
        "from django.utils import timezone; from accounts.models import User; "
        f"User.objects.filter(email='{PERSON}').update(identity_verified_at=timezone.now())",
    )
    assert person.request("/portaal/", server=b)[0] == 200
    assert person.request("/uitloggen/", {}, server=a)[:2] == (302, "/inloggen/")
    assert person.request("/portaal/", server=b)[0] == 302  # logged out on every server

    # Logging in: password on one server, code on the other, the portal on the first.
    person.request("/inloggen/", server=a)
    credentials = {"email": PERSON, "password": PASSWORD}
    assert person.request("/inloggen/", credentials, server=b)[:2] == (302, "/inloggen/code/")
    status, _, page = person.request("/inloggen/code/", server=a)
    device = re.search(r'name="device" value="([^"]+)"', page).group(1)
    # The enrolment's code is used: the next one.
    login_code = {"device": device, "code": code_for(seed_of(secret), drift=1)}
    assert person.request("/inloggen/code/", login_code, server=b)[:2] == (302, "/portaal/")
    status, _, page = person.request("/portaal/", server=a)
    assert status == 200

    # Password throttling: failures counted on either server hold on both.
    attacker = Browser()
    attacker.request("/inloggen/", server=a)
    wrong = {"email": PERSON, "password": "dit is niet het wachtwoord"}
    for server in (a, b, a, b, a):
        status, _, page = attacker.request("/inloggen/", wrong, server=server)
        assert status == 200 and "klopt niet" in page
    status, _, page = attacker.request("/inloggen/", credentials, server=b)  # the right one
    assert status == 200
    assert "Te veel mislukte pogingen" in page
