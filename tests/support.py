"""Plain helpers the tests call: people with a factor, logging in, agents, waiting for something,
mail servers that fail, the project's folder. Each helper that more than one test module uses
lives here, once; a helper of one module stays in that module.

Fixtures live in tests/conftest.py and use these. Elsewhere, once: the code a person's app or
token shows is `tokens.testing` (`device_code`, `code_for`, `seed_of`); a free port and a
browser for a real server are `bench.browser` (the bench tools use them outside pytest); the
browser walks are tests/browser/journeys.py.
"""

import base64
import hashlib
import json
import re
import secrets
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from unittest import mock

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connections, transaction
from django.db.backends.utils import CursorWrapper
from django.test import Client, TestCase
from django.utils import timezone

from accounts.models import User
from tokens.testing import confirmed_app_device, device_code

GOOD_PASSWORD = "paarse olifant danst op het dak"
ROOT = Path(__file__).resolve().parent.parent  # the project: manage.py, gunicorn.conf.py


def link_from_mail(message) -> str:
    """The registration link's path, read from the plain-text body as a person would."""
    match = re.search(r"https://portaal\.example\.nl(/uitnodiging/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def with_app(user: User) -> User:
    """A confirmed authenticator app, as after enrolment (no helpdesk verification)."""
    user.app = confirmed_app_device(user)
    return user


def give_app(user: User) -> User:
    """A verified person with a confirmed authenticator app, ready to log in."""
    user.identity_verified_at = user.identity_verified_at or timezone.now()
    user.save(update_fields=["identity_verified_at"])
    return with_app(user)


def unverify(user: User) -> User:
    """Registered, but not (or no longer) verified by the helpdesk."""
    user.identity_verified_at = None
    user.save(update_fields=["identity_verified_at"])
    return user


def make_agent(
    email: str = "sanne@topicus.example",
    first_name: str = "Sanne",
    *,
    last_name: str = "Bakker",
    serves=None,
    permission: bool = True,
    staff: bool = True,
    verified: bool = True,
) -> User:
    """A helpdesk agent with an authenticator app: of the central servicedesk (serving every
    organisation), or of the organisations in `serves` (none: `serves=[]`). `verified=False`:
    as made in the admin, waiting for an administrator to vouch for them."""
    agent = User.objects.create_user(
        email,
        GOOD_PASSWORD,
        is_staff=staff,
        first_name=first_name,
        last_name=last_name,
        serves_all_organisations=serves is None,
    )
    if serves:
        agent.served_organisations.set(serves)
    if permission:
        agent.user_permissions.add(
            Permission.objects.get(codename="helpdesk", content_type__app_label="verification")
        )
    return give_app(agent) if verified else with_app(agent)


def log_in(client, user, *, device=None, password=GOOD_PASSWORD):
    """Walk the login: password, then the code of the person's (first) device."""
    device = device or user.app
    client.post("/inloggen/", {"email": user.email, "password": password})
    return client.post(
        "/inloggen/code/", {"device": device.persistent_id, "code": device_code(device)}
    )


def next_code_allowed(user) -> None:
    """The app may give the code it just gave again: a second login in the same 30 s step."""
    type(user.app).objects.filter(pk=user.app.pk).update(last_t=-1)


def logged_in(user, *, client: Client | None = None) -> Client:
    """A browser (a new Client unless given) logged in as `user` with both factors."""
    client = client or Client()
    log_in(client, user)
    return client


def wait_for(condition: Callable[[], object], message: str, *, seconds: float = 10.0):
    """Poll `condition` until it holds; fail with `message` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.02)


def at_once(*calls):
    """Run each call in its own thread with its own connection, released at the same moment
    (PostgreSQL tests of real parallel transactions)."""
    start = threading.Barrier(len(calls))

    def run(call):
        try:
            start.wait()
            return call()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [future.result() for future in [pool.submit(run, call) for call in calls]]


@contextmanager
def row_locked_elsewhere(model, pk):
    """Hold a row locked in another thread and connection (a second worker, say) while the
    body runs; PostgreSQL only, as SQLite has no row locks."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                model.objects.select_for_update().get(pk=pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(10)
        yield
    finally:
        release.set()
        thread.join()


def text(response) -> str:
    """The page as text."""
    return response.content.decode()


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


class Clock:
    """A clock of the test's own for code that takes one (`clock=`): moves only when told."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# Mail


def reset_link(message) -> str:
    """The "Wachtwoord vergeten?" link's path, read from the mail's plain-text body."""
    return re.search(r"https://portaal\.example\.nl(/wachtwoord-vergeten/\S+/)", message.body)[1]


def ask_reset(client, email):
    """Ask as a person does; the mail goes once the request's transaction commits (MAIL_QUEUE
    immediate)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/wachtwoord-vergeten/", {"email": email})


class DownMailBackend:
    """A mail server that is down: every send raises."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


class WorkerKilled(BaseException):
    """SIGKILL as the code sees it: nothing after it runs, no `except Exception` catches it."""


class ServerTookItWorkerKilled:
    """The mail server took the mail (it is in the outbox); the worker died before it heard so."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        mail.outbox.extend(messages)
        raise WorkerKilled


DOWN_MAIL_BACKEND = "tests.support.DownMailBackend"
KILLED_MAIL_BACKEND = "tests.support.ServerTookItWorkerKilled"


def invite_in_admin(client, organisation, role, capture, *, addresses="", csv=None):
    """The servicedesk's invite form in the admin: a pasted list and maybe a CSV file of names;
    the mails go after the commit. Follows the redirect to the report."""
    data = {"addresses": addresses, "organisation": organisation.pk, "role": role.pk}
    if csv is not None:
        data["csv_file"] = SimpleUploadedFile("namen.csv", csv, content_type="text/csv")
    with capture(execute=True):
        return client.post(
            "/admin/accounts/invitation/uitnodigen/", {**data, "language": "nl"}, follow=True
        )


# Factors


def wrong_code(device) -> str:
    """A well-formed code that is not valid now, whatever the seed."""
    valid = {device_code(device, drift=drift) for drift in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


TOKEN_CSV = (
    b"upn,serial number,secret key,time interval,manufacturer,model\r\n"
    b",1000000102,ZI2U6JIOQ7ZE6RJM2UGASMDWZ34VJHKE,60,Feitian,OTP c200\r\n"
)  # an Azure CSV of one token


def upload(client, url, data: bytes, name="tokens.csv"):
    """Post an Azure CSV file to an upload form."""
    return client.post(url, {"csv_file": SimpleUploadedFile(name, data, "text/csv")})


# Faults and real processes


def fail_queries(times: int):
    """The database connection drops for the next `times` queries, then it is back."""
    real = CursorWrapper.execute
    left = {"n": times}

    def execute(self, sql, params=None):
        if left["n"] > 0:
            left["n"] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return real(self, sql, params)

    return mock.patch.object(CursorWrapper, "execute", execute)


def manage(env, *args) -> str:
    """`manage.py` in a process of its own, configured only by `env`; its output."""
    result = subprocess.run(  # noqa: S603 (manage.py with fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


# Passkeys and security keys (tokens/webauthn.py): a software authenticator, so the server
# checks real signatures without a browser.

WEBAUTHN_ORIGIN = "https://portaal.example.nl"  # SITE_URL in tests/conftest.py
UP, UV, AT = 0x01, 0x04, 0x40  # authenticator data flags: user present, verified, credential


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftKey:
    """A FIDO2 authenticator in software: one credential, a counter, a PIN it always asks.

    `aaguid` is its type (zeros by default); `attestation` how it proves it: "none", "self"
    (packed, signed by the new key itself) or "packed" (signed by a maker's certificate that
    names `certified_aaguid`, the AAGUID by default; None: the certificate names none)."""

    def __init__(self, *, aaguid="", attestation="none", certified_aaguid=...):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.sign_count = 0
        self.aaguid = uuid.UUID(aaguid).bytes if aaguid else bytes(16)
        self.attestation = attestation
        self.certified_aaguid = aaguid if certified_aaguid is ... else certified_aaguid
        self.user_handle = None  # the account's handle, given at registration

    def _attestation_statement(self, auth_data: bytes, client_data: bytes) -> tuple[str, dict]:
        if self.attestation == "none":
            return "none", {}
        signed = auth_data + hashlib.sha256(client_data).digest()
        if self.attestation == "self":
            signature = self.private_key.sign(signed, ec.ECDSA(hashes.SHA256()))
            return "packed", {"alg": -7, "sig": signature}
        maker_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sleutelmaker BV"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Authenticator Attestation"),
                x509.NameAttribute(NameOID.COMMON_NAME, "Sleutelmaker FIDO2"),
            ]
        )
        now = timezone.now()
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(maker_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        if self.certified_aaguid:
            value = b"\x04\x10" + uuid.UUID(self.certified_aaguid).bytes
            builder = builder.add_extension(
                x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4"), value),
                critical=False,
            )
        certificate = builder.sign(maker_key, hashes.SHA256())
        signature = maker_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        der = certificate.public_bytes(serialization.Encoding.DER)
        return "packed", {"alg": -7, "sig": signature, "x5c": [der]}

    def _cose_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    @staticmethod
    def _client_data(kind, challenge, origin) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    def register(self, options, *, origin=WEBAUTHN_ORIGIN, rp_id=None, flags=UP | UV | AT) -> str:
        rp_hash = hashlib.sha256((rp_id or options["rp"]["id"]).encode()).digest()
        self.user_handle = options["user"]["id"]
        attested = (
            self.aaguid + struct.pack(">H", len(self.credential_id)) + self.credential_id
        ) + self._cose_key()
        auth_data = rp_hash + bytes([flags]) + struct.pack(">I", self.sign_count) + attested
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        fmt, statement = self._attestation_statement(auth_data, client_data)
        attestation = cbor2.dumps({"fmt": fmt, "attStmt": statement, "authData": auth_data})
        return json.dumps(
            {
                "id": b64url(self.credential_id),
                "rawId": b64url(self.credential_id),
                "type": "public-key",
                "clientExtensionResults": {"credProps": {"rk": True}},
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "attestationObject": b64url(attestation),
                    "transports": ["usb"],
                },
            }
        )

    def assert_(
        self,
        options,
        *,
        origin=WEBAUTHN_ORIGIN,
        rp_id=None,
        flags=UP | UV,
        count=None,
        user_handle=None,
    ) -> str:
        """The key's answer; `user_handle` as a passkey sends it (its account's, b64url)."""
        self.sign_count = self.sign_count + 1 if count is None else count
        rp_hash = hashlib.sha256((rp_id or options["rpId"]).encode()).digest()
        auth_data = rp_hash + bytes([flags]) + struct.pack(">I", self.sign_count)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.private_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return json.dumps(
            {
                "id": b64url(self.credential_id),
                "rawId": b64url(self.credential_id),
                "type": "public-key",
                "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "authenticatorData": b64url(auth_data),
                    "signature": b64url(signature),
                    "userHandle": user_handle,
                },
            }
        )


def options_of(response) -> dict:
    found = re.search(
        r'<script id="webauthn-options" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert found, "the page carries no WebAuthn options"
    return json.loads(found.group(1))
