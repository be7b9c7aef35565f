"""A real SMTP server process (aiosmtpd) for the mail tests, and the handle a test holds.

`python -m tests.smtp_server FOLDER --port N` listens on 127.0.0.1:N, prints "ready", and writes
every message it accepts to FOLDER (NNN.rcpt, then NNN.eml) before it answers. While the file
FOLDER/HOLD exists it keeps its "250 accepted" back: the client has handed the whole mail over
but hears nothing, the moment at which a killed mail worker cannot record that it sent.
`--login USER:PASSWORD` requires AUTH; `--tls CERT KEY` requires STARTTLS with that certificate.
"""

import argparse
import asyncio
import datetime
import email
import email.policy
import ipaddress
import signal
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from bench.browser import free_port

ROOT = Path(__file__).resolve().parent.parent


class Mailbox:
    """The aiosmtpd handler: keep each message whole, then answer (or hold the answer back)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = self.folder / f"{self.count:03d}"
        name.with_suffix(".rcpt").write_text("\n".join(envelope.rcpt_tos))
        name.with_suffix(".part").write_bytes(envelope.original_content)
        name.with_suffix(".part").rename(name.with_suffix(".eml"))  # there means whole
        while (self.folder / "HOLD").exists():  # the client waits for this answer
            await asyncio.sleep(0.02)
        return "250 Message accepted for delivery"


def login_check(user: str, password: str):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(server, session, envelope, mechanism, auth_data):
        given = auth_data if isinstance(auth_data, LoginPassword) else None
        ok = given is not None and (given.login, given.password) == (
            user.encode(),
            password.encode(),
        )
        return AuthResult(success=ok)

    return check


def main() -> None:
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--login", default="")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = parser.parse_args()
    options = {}
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*args.tls)
        options.update(tls_context=context, require_starttls=True)
    if args.login:
        user, password = args.login.split(":", 1)
        options.update(
            auth_required=True,
            auth_require_tls=bool(args.tls),
            authenticator=login_check(user, password),
        )
    controller = Controller(Mailbox(args.folder), hostname="127.0.0.1", port=args.port, **options)
    controller.start()
    print("ready", flush=True)
    while True:  # until SIGTERM
        signal.pause()


# The side of the test


@dataclass
class Received:
    """One message as the server took it: the envelope's recipients and the mail itself."""

    to: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()


class SmtpServer:
    """The server process seen from a test: its port, what it received, hold and release."""

    def __init__(self, folder: Path, *options: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.port = free_port()
        self.log = folder / "server.log"
        command = [sys.executable, "-m", "tests.smtp_server", str(folder), "--port", str(self.port)]
        self.process = subprocess.Popen(  # noqa: S603 (this file, fixed arguments)
            [*command, *options],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self.log.open("w"),
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":  # or "" when it stopped
            self.stop()
            raise RuntimeError(f"SMTP server did not start:\n{self.log.read_text()}")

    def hold(self) -> None:
        (self.folder / "HOLD").touch()

    def release(self) -> None:
        (self.folder / "HOLD").unlink(missing_ok=True)

    def received(self) -> list[Received]:
        return [
            Received(
                to=path.with_suffix(".rcpt").read_text().split(),
                message=email.message_from_bytes(path.read_bytes(), policy=email.policy.default),
            )
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def wait_for(self, count: int, *, process=None, seconds: float = 30) -> list[Received]:
        """Wait until `count` messages are in (not a fixed sleep: a deadline)."""
        deadline = time.monotonic() + seconds
        while len(list(self.folder.glob("*.eml"))) < count:
            if process is not None and process.poll() is not None:
                raise AssertionError(f"the client ended ({process.returncode}) before mail {count}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no mail {count} within {seconds} s")
            time.sleep(0.02)
        return self.received()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 that is its own authority, and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ZorgPortaal test SMTP")])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


if __name__ == "__main__":
    main()
