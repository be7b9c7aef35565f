"""Mail through a real SMTP server process (aiosmtpd, `tests/smtp_server.py`).

The settings reach a real server: EMAIL_HOST and EMAIL_PORT, a login, STARTTLS. And a mail
worker killed after the server took a mail, before it could record that, loses neither the
attempt nor the link: the retry waits its pause, mails the same link, and stops after
MAX_SEND_ATTEMPTS. Workers run as `manage.py send_invitations` processes, configured only by
their environment, against a migrated SQLite file of their own (pytest-django's test database
lives in memory or inside a transaction no other process sees).
"""

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from accounts import invitations
from accounts.models import Invitation, hash_token
from tests.smtp_server import SmtpServer, self_signed_certificate
from tests.support import GOOD_PASSWORD, ROOT, manage

ANNA = "anna.devries@delinde.example"
NOTHING_DUE = "0 van 0 uitnodigingsmails verstuurd"
LINK = re.compile(r"https://portaal\.example\.nl(/uitnodiging/[^/\s]+/)")


def link_in(received) -> str:
    match = LINK.search(received.text)
    assert match, received.text
    return match.group(1)


@pytest.fixture
def smtp(tmp_path):
    server = SmtpServer(tmp_path / "smtp")
    yield server
    server.stop()


# CI sends one invitation through a real SMTP server (the suite runs in `make test`)


@pytest.mark.django_db
def test_an_invitation_goes_through_a_real_smtp_server_once_with_its_link(
    settings, smtp, organisation, role, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_create(
            text=f"Anna de Vries <{ANNA}>", organisation=organisation, role=role
        )

    [received] = smtp.received()
    assert received.to == [ANNA]
    assert received.message["To"] == ANNA
    token = link_in(received).split("/")[2]
    assert hash_token(token) == Invitation.objects.get().token_hash
    assert Invitation.objects.with_status().get().status == Invitation.Status.SENT


# The mail worker as a process of its own


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """One migrated database file for the module; each test works on a copy."""
    database = tmp_path_factory.mktemp("migrated") / "db.sqlite3"
    manage(environment(database), "migrate", "--noinput", "-v0")
    return database


def environment(database: Path, **more: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "zorgportaal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "smtp-test-key-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{database}",
        "ALLOWED_HOSTS": "testserver",
        "SITE_URL": "https://portaal.example.nl",
        "SECURE_SSL_REDIRECT": "false",
        "MAIL_QUEUE": "worker",
        "LOG_LEVEL": "WARNING",
        **more,
    }


class Site:
    """ZorgPortaal as its processes see it: a database file and an environment."""

    def __init__(self, database: Path, **env: str):
        self.database = database
        self.env = environment(database, **env)

    def python(self, code: str) -> str:
        return manage(self.env, "shell", "-c", code)

    def invite(self, address: str) -> None:
        self.python(INVITE.format(address=address))

    def worker_once(self) -> str:
        return manage(self.env, "send_invitations")

    def start_worker(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", "send_invitations"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def invitation(self) -> dict:
        with closing(sqlite3.connect(self.database)) as db:
            db.row_factory = sqlite3.Row
            return dict(db.execute("SELECT * FROM accounts_invitation").fetchone())

    def rewind(self, by: timedelta) -> None:
        """Move the last attempt back, as if `by` had passed: the worker reads the real clock."""
        last = datetime.fromisoformat(self.invitation()["last_attempt_at"])
        with closing(sqlite3.connect(self.database)) as db, db:
            db.execute(
                "UPDATE accounts_invitation SET last_attempt_at = ?",
                [(last - by).isoformat(sep=" ")],
            )

    def person_with(self, first: str, second: str) -> dict:
        output = self.python(PERSON.format(first=first, second=second))
        return json.loads(output.splitlines()[-1])  # after the shell's own line


INVITE = """
from accounts.invitations import invitations_create
from accounts.models import Organisation, Role
invitations_create(
    text="Anna de Vries <{address}>",
    organisation=Organisation.objects.get_or_create(name="Huisartsenpraktijk De Linde")[0],
    role=Role.objects.get_or_create(name="Doktersassistent")[0],
)
"""

# One person with two mails: open both links, register with the second, then the first again.
PERSON = """
import json
from django.conf import settings
from django.test import Client, override_settings
plain = {{**settings.STORAGES, "staticfiles": {{"BACKEND": "{plain}"}}}}
override_settings(STORAGES=plain).enable()  # no collected manifest, as in tests/conftest.py
answers = {{}}
browsers = {{"first": Client(), "second": Client()}}
for name, link in (("first", "{first}"), ("second", "{second}")):
    opened = browsers[name].get(link)
    page = browsers[name].get(opened["Location"])
    answers[name] = [opened.status_code, opened["Location"], page.status_code]
form = {{"password1": "{password}", "password2": "{password}"}}
answers["registered"] = browsers["second"].post("/registreren/wachtwoord/", form)["Location"]
again = Client().get("{first}")
answers["first_again"] = [again.status_code, "al gebruikt" in again.content.decode()]
print(json.dumps(answers))
""".replace("{password}", GOOD_PASSWORD).replace(
    "{plain}", "django.contrib.staticfiles.storage.StaticFilesStorage"
)


@pytest.fixture
def site(migrated, tmp_path, smtp):
    database = tmp_path / "db.sqlite3"
    shutil.copy(migrated, database)
    return Site(
        database,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
    )


def kill_while_the_server_holds_mail(site: Site, smtp: SmtpServer, mail_number: int) -> None:
    """Start a worker, wait until the server has the whole mail, SIGKILL the worker before it
    hears "250" (so before it can record anything)."""
    worker = site.start_worker()
    try:
        smtp.wait_for(mail_number, process=worker)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL


def test_a_worker_killed_after_the_server_took_the_mail_keeps_the_attempt_and_the_link(site, smtp):
    site.invite(ANNA)
    smtp.hold()
    kill_while_the_server_holds_mail(site, smtp, 1)
    smtp.release()

    crashed = site.invitation()
    assert crashed["send_attempts"] == 1  # committed before the mail went out
    assert crashed["sent_at"] is None
    assert NOTHING_DUE in site.worker_once()  # the pause after an attempt, not a retry at once

    site.rewind(timedelta(minutes=1))
    assert "1 van 1 uitnodigingsmail verstuurd" in site.worker_once()
    assert site.invitation()["send_attempts"] == 2
    assert site.invitation()["sent_at"] is not None
    assert NOTHING_DUE in site.worker_once()

    first, second = smtp.received()  # at most two mails
    assert first.to == second.to == [ANNA]
    assert link_in(first) == link_in(second)  # the retry carries the link the first one had
    answers = site.person_with(link_in(first), link_in(second))
    assert answers["first"] == answers["second"] == [302, "/registreren/wachtwoord/", 200]
    assert answers["registered"] == "/registreren/authenticatiemiddel/"
    assert answers["first_again"] == [410, True]


def test_a_mail_that_kills_the_worker_every_time_stops_after_ten_attempts_with_growing_pauses(
    site, smtp
):
    site.invite(ANNA)
    smtp.hold()
    for attempt in range(1, invitations.MAX_SEND_ATTEMPTS + 1):
        kill_while_the_server_holds_mail(site, smtp, attempt)
        assert site.invitation()["send_attempts"] == attempt
        pause = timedelta(minutes=2 ** (attempt - 1))  # 1, 2, 4 … 512 minutes
        site.rewind(pause - timedelta(seconds=30))
        assert NOTHING_DUE in site.worker_once()  # not before its pause
        site.rewind(timedelta(seconds=30))

    site.rewind(timedelta(days=1))
    assert NOTHING_DUE in site.worker_once()  # no eleventh attempt, however long it waits
    given_up = site.invitation()
    assert given_up["send_attempts"] == invitations.MAX_SEND_ATTEMPTS
    assert given_up["send_error"] == "Interrupted"  # shown as "verzenden mislukt"
    received = smtp.received()
    assert len(received) == invitations.MAX_SEND_ATTEMPTS
    assert {link_in(each) for each in received} == {link_in(received[0])}


def test_the_worker_sends_over_starttls_with_a_login_from_the_environment(migrated, tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    login = "zorgportaal:een lang smtp-wachtwoord"
    smtp = SmtpServer(tmp_path / "tls", "--tls", str(cert), str(key), "--login", login)
    try:
        database = tmp_path / "db.sqlite3"
        shutil.copy(migrated, database)
        site = Site(
            database,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="localhost",
            EMAIL_PORT=str(smtp.port),
            EMAIL_HOST_USER="zorgportaal",
            EMAIL_HOST_PASSWORD="een lang smtp-wachtwoord",
            EMAIL_USE_TLS="true",
            SSL_CERT_FILE=str(cert),  # the worker trusts this certificate, checked as usual
        )
        site.invite(ANNA)
        assert "1 van 1 uitnodigingsmail verstuurd" in site.worker_once()
        [received] = smtp.received()
        assert received.to == [ANNA]
        assert LINK.search(received.text)
    finally:
        smtp.stop()
