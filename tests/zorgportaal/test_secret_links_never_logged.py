"""No log line ever holds the secret of an invitation or password-reset link.

Django's request logger writes the path of every 4xx and 5xx answer, so a refused, throttled,
mistyped or crashing request with a real link would put the link in the error log. Every log
record is redacted as it is made (zorgportaal/redaction.py), whatever logger writes it.
"""

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import RequestFactory
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import invitations
from signin.views import ResetConfirmView
from zorgportaal.security import LINK_POLICY

pytestmark = pytest.mark.django_db

# What a log handler writes: the message and, below it, any traceback.
LINE = logging.Formatter("%(levelname)s %(name)s %(message)s")


@dataclass
class SecretLink:
    path: str
    secret: str
    redacted: str  # how the log shows the link
    crash: tuple  # (object, attribute) that the view calls with the secret in hand
    wrong: Callable[[], str]  # a new wrong link that looks like a real one


@pytest.fixture(params=["invitation", "reset"])
def link(request):
    return request.getfixturevalue(f"{request.param}_link")


@pytest.fixture
def invitation_link(invite):
    _invitation, path = invite("ander@delinde.example")
    return SecretLink(
        path=path,
        secret=path.split("/")[2],
        redacted="/uitnodiging/…/",
        crash=(invitations, "invitation_open"),
        wrong=lambda: f"/uitnodiging/{secrets.token_urlsafe(32)}/",
    )


@pytest.fixture
def reset_link(person):
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    timestamp = token.split("-")[0]
    return SecretLink(
        path=f"/wachtwoord-vergeten/{uid}/{token}/",
        secret=token,
        redacted="/wachtwoord-vergeten/…/",
        crash=(ResetConfirmView, "get_user"),
        wrong=lambda: f"/wachtwoord-vergeten/{uid}/{timestamp}-{secrets.token_hex(10)}/",
    )


@pytest.fixture(autouse=True)
def every_record(caplog):
    """Every record of every logger, down to DEBUG (Django's own loggers stop at INFO)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")


def messages(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def written(caplog) -> str:
    """All a handler could write: messages, formatted lines, tracebacks and stacks."""
    parts = [caplog.text]
    for record in caplog.records:
        parts += [record.getMessage(), LINE.format(record)]
        parts += [record.exc_text or "", record.stack_info or ""]
    return "\n".join(parts)


def assert_never_logged(caplog, *secrets_):
    text = written(caplog)
    for secret in secrets_:
        assert secret not in text


def test_a_refused_oversized_body_is_logged_without_the_link_secret(link, client, settings, caplog):
    response = client.generic(
        "POST",
        link.path,
        b"x",
        content_type="text/plain",
        CONTENT_LENGTH=str(settings.MAX_REQUEST_BYTES + 1),
    )
    assert response.status_code == 413
    assert f"Request Entity Too Large: {link.redacted}" in messages(caplog)
    assert_never_logged(caplog, link.secret)


def test_a_throttled_right_link_is_logged_without_its_secret(link, client, caplog):
    wrong = [link.wrong() for _ in range(LINK_POLICY.free)]
    for path in wrong:
        assert client.get(path).status_code in (200, 404)
    assert client.get(link.path).status_code == 429
    assert f"Too Many Requests: {link.redacted}" in messages(caplog)
    assert_never_logged(caplog, link.secret, *[path.split("/")[-2] for path in wrong])


def test_a_right_link_with_an_extra_segment_is_logged_as_not_found_without_its_secret(
    link, client, caplog
):
    assert client.get(f"{link.path}extra/").status_code == 404
    assert f"Not Found: {link.redacted}extra/" in messages(caplog)
    assert_never_logged(caplog, link.secret)


def test_a_wrong_but_real_looking_invitation_link_is_logged_without_its_secret(client, caplog):
    wrong = f"/uitnodiging/{secrets.token_urlsafe(32)}/"
    assert client.get(wrong).status_code == 404
    assert "Not Found: /uitnodiging/…/" in messages(caplog)
    assert_never_logged(caplog, wrong.split("/")[2])


def test_a_crash_behind_a_right_link_is_logged_without_its_secret(
    link, client, monkeypatch, caplog
):
    def crash(*args, **kwargs):
        raise RuntimeError(f"kapot bij {link.path}")  # an error message that quotes the path

    monkeypatch.setattr(*link.crash, crash)
    client.raise_request_exception = False
    assert client.get(link.path).status_code == 500
    assert f"Internal Server Error: {link.redacted}" in messages(caplog)
    assert f"RuntimeError: kapot bij {link.redacted}" in written(caplog)
    assert_never_logged(caplog, link.secret)


REQUEST_LINE = "GET /uitnodiging/geheim-token/ HTTP/1.1"


def raised(error: Exception):
    """`exc_info` as logging gets it inside an `except` block."""
    try:
        raise error
    except Exception as caught:
        return (type(caught), caught, caught.__traceback__)


@pytest.mark.parametrize(
    ("logger", "msg", "args", "exc_info"),
    [
        ("django.server", '"%s" %s %s', (REQUEST_LINE, 404, 0), None),
        ("gunicorn.error", "Error handling request %s", ("/uitnodiging/geheim-token/",), None),
        ("gunicorn.access", "%(r)s %(s)s", ({"r": REQUEST_LINE, "s": "200"},), None),
        ("accounts", "opened /wachtwoord-vergeten/MQ/geheim-token/ too late", (), None),
        ("accounts", "request %r", (RequestFactory().get("/uitnodiging/geheim-token/"),), None),
        ("accounts", "failed: %s", (RuntimeError("at /uitnodiging/geheim-token/"),), None),
        ("accounts", "failed", (), raised(RuntimeError("at /uitnodiging/geheim-token/"))),
    ],
)
def test_any_logger_writes_a_link_redacted_in_any_shape(logger, msg, args, exc_info):
    if len(args) == 1 and isinstance(args[0], dict):
        args = args[0]  # what logging does with a single mapping
    record = logging.getLogger(logger).makeRecord(
        logger, logging.INFO, "x.py", 1, msg, args, exc_info
    )
    line = LINE.format(record)
    assert "geheim-token" not in line
    assert "…/" in line


def test_plain_pages_numbers_and_gunicorns_atoms_keep_their_form():
    make = logging.getLogRecordFactory()
    sent = make(
        "x", logging.INFO, "x.py", 1, "%s: %d bytes", ("/wachtwoord-vergeten/verstuurd/", 5), None
    )
    assert sent.getMessage() == "/wachtwoord-vergeten/verstuurd/: 5 bytes"

    class Atoms(dict):  # like gunicorn's SafeAtoms: a missing atom is "-"
        def __getitem__(self, key):
            return super().get(key, "-")

    record = make(
        "gunicorn.access", logging.INFO, "x.py", 1, "%(r)s %(b)s", (Atoms(r=REQUEST_LINE),), None
    )
    assert record.getMessage() == "GET /uitnodiging/…/ HTTP/1.1 -"
