"""Two gunicorn app servers sharing PostgreSQL and Redis: any server serves any request.

Runs when DATABASE_URL points to PostgreSQL and REDIS_URL is set (as in CI's PostgreSQL pass).
The servers are real: `gunicorn -c gunicorn.conf.py` with DEBUG=false, on two free loopback
ports, against a database of their own made with `migrate` (pytest-django's test database lives
inside one transaction the servers cannot see). A person's registration and login alternate
between them request by request; password failures counted on one are enforced on the other;
a service's sign-in starts on one and gets its tokens from the other. Both servers are given
the same OIDC_SIGNING_KEY, as production's are (README, "Single sign-on").
"""

import base64
import email
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import dj_database_url
import pytest
from jwcrypto import jwk, jwt

from bench.browser import Browser, ServerDown, free_port, wait_until_healthy
from tests.support import ROOT, manage
from tokens.testing import code_for, seed_of
from zorgportaal.devkeys import new_signing_key

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
PASSWORD = "blauwe giraffe leest de krant"
PERSON = "wisselend@delinde.example"
SITE_URL = "http://127.0.0.1"  # both servers': one issuer, SITE_URL + "/oidc"
# Never fetched (the test reads the Location header); https, as DEBUG off demands.
REDIRECT_URI = "https://dienst.example.org/oidc/callback"

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
        "SITE_URL": SITE_URL,
        "PASSKEYS_ENABLED": "false",  # plain http on 127.0.0.1 is no secure origin for keys
        "OIDC_SIGNING_KEY": new_signing_key(),
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


# Registered as an administrator would (portal.clients), with a person who may use it: made in
# the servers' database by manage.py; prints what the service and the person's app keep.
SERVICE_AND_PERSON = """
import base64, json
from django.utils import timezone
from accounts.models import Organisation, Role, User
from portal import clients
from portal.models import Service
from tokens.testing import confirmed_app_device

organisation, _ = Organisation.objects.get_or_create(name="Huisartsenpraktijk De Linde")
role, _ = Role.objects.get_or_create(name="Doktersassistent")
user = User.objects.create_user(
    "{email}", "{password}", first_name="Sanne", last_name="Tweeserver",
    organisation=organisation, role=role, identity_verified_at=timezone.now(),
)
device = confirmed_app_device(user)
service = Service.objects.create(
    name="Calculus VIPLive", url="https://dienst.example.org/", first_party=True
)
secret = clients.client_save(
    service, redirect_uris=["{redirect_uri}"], post_logout_redirect_uris=[]
)
print(json.dumps({{
    "client_id": service.application.client_id,
    "client_secret": secret,
    "app_key": base64.b32encode(device.secret()).decode(),
}}))
"""


def fetch(url: str, *, data: dict | None = None, headers: dict | None = None):
    """A service's own request (no browser, no cookies): (status, headers, JSON body)."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
    try:
        response = urllib.request.urlopen(request, timeout=30)  # noqa: S310 (loopback)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        return response.status, response.headers, json.loads(response.read() or b"null")


def test_a_service_sign_in_on_one_server_and_its_tokens_from_the_other(cluster):
    env, (a, b) = cluster
    email_address = "tweeserver@delinde.example"
    made = json.loads(
        manage(
            env,
            "shell",
            "-v0",
            "-c",
            SERVICE_AND_PERSON.format(
                email=email_address, password=PASSWORD, redirect_uri=REDIRECT_URI
            ),
        )
    )
    client_id, client_secret = made["client_id"], made["client_secret"]
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
    authorize = "/oidc/authorize/?" + urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile email",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )

    # The service sends the person to server A: log in there, then back to the sign-in.
    person = Browser()
    status, login, _ = person.request(authorize, server=a)
    assert status == 302 and login.startswith("/inloggen/?next="), login
    assert person.request(login, server=a)[0] == 200
    credentials = {"email": email_address, "password": PASSWORD}
    status, code_page, _ = person.request(login, credentials, server=a)
    assert status == 302 and code_page.startswith("/inloggen/code/"), code_page
    _, _, page = person.request(code_page, server=a)
    device = re.search(r'name="device" value="([^"]+)"', page).group(1)
    login_code = {"device": device, "code": code_for(seed_of(made["app_key"]))}
    assert person.request(code_page, login_code, server=a)[:2] == (302, authorize)
    status, location, _ = person.request(authorize, server=a)
    assert status == 302 and location.startswith(REDIRECT_URI + "?"), (status, location)
    answer = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert answer["state"] == state
    assert answer["iss"] == SITE_URL + "/oidc"

    # The service exchanges the code at server B: HTTP Basic and its PKCE verifier.
    pair = f"{client_id}:{client_secret}".encode()
    status, _, tokens = fetch(
        b + "/oidc/token/",
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        headers={"Authorization": "Basic " + base64.b64encode(pair).decode()},
    )
    assert status == 200, tokens

    # The ID token is signed with the key server B publishes (and server A publishes the same).
    status, headers, published = fetch(b + "/oidc/.well-known/jwks.json")
    assert status == 200 and "max-age=3600" in headers["Cache-Control"]
    assert fetch(a + "/oidc/.well-known/jwks.json")[2] == published
    id_token = jwt.JWT(
        jwt=tokens["id_token"],
        key=jwk.JWKSet.from_json(json.dumps(published)),
        algs=["RS256"],
        expected_type="JWS",
    )
    claims = json.loads(id_token.claims)
    assert claims["iss"] == SITE_URL + "/oidc"
    assert claims["aud"] == client_id
    assert claims["nonce"] == nonce
    assert claims["amr"] == ["pwd", "otp", "swk", "mfa"]

    # Userinfo on server A knows the person under the same subject.
    status, _, info = fetch(
        a + "/oidc/userinfo/", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert status == 200, info
    assert info["sub"] == claims["sub"]
    assert info["email"] == email_address
    assert info["name"] == "Sanne Tweeserver"
    assert info["organisation"] == "Huisartsenpraktijk De Linde"
