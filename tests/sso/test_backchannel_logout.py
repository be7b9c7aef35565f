"""Back-channel logout: when a login ends, each service it signed in to receives a signed
logout token at its back-channel address (OpenID Connect Back-Channel Logout 1.0), from the
queue, retried when the service is away; the login's tokens stop working at once."""

import io
import json
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from jwcrypto import jwk, jwt

from sso import backchannel
from sso.models import LogoutNotice
from tests.support import GOOD_PASSWORD, logged_in, next_code_allowed
from tokens.services import device_remove
from zorgportaal.models import AuditEvent

from .relying_party import RelyingParty

pytestmark = pytest.mark.django_db
EVENT = "http://schemas.openid.net/event/backchannel-logout"


@pytest.fixture
def service(listener):
    return RelyingParty.register(backchannel_logout_uri=listener.url)


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """The request's transaction commits, so what it queued is sent (MAIL_QUEUE immediate)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def another_login(person) -> Client:
    """The same person logged in a second time, elsewhere, with the next code of the app."""
    next_code_allowed(person)
    return logged_in(person)


def logout_claims(token: str) -> dict:
    keys = jwk.JWKSet.from_json(Client().get("/oidc/.well-known/jwks.json").content)
    checked = jwt.JWT(jwt=token, key=keys, algs=["RS256"], expected_type="JWS")
    assert checked.token.jose_header["typ"] == "logout+jwt"
    return json.loads(checked.claims)


def test_logging_out_tells_the_service_which_login_ended(person, service, listener, commits):
    browser = logged_in(person)
    tokens = service.sign_in(browser)
    id_claims = service.id_token_claims(browser, tokens["id_token"])

    with commits():
        browser.post("/uitloggen/")

    [token] = listener.tokens
    claims = logout_claims(token)
    assert claims["sid"] == id_claims["sid"]
    assert claims["sub"] == id_claims["sub"]
    assert claims["aud"] == service.client_id
    assert claims["iss"] == "http://localhost:8000/oidc"
    assert claims["events"] == {EVENT: {}}
    assert "nonce" not in claims
    assert service.refresh(Client(), tokens["refresh_token"]).status_code == 400
    event = AuditEvent.objects.get(event="sso.backchannel_logout_sent")
    assert event.details == {"service": "Calculus VIPLive", "reason": "logout"}
    assert token not in str(event.details)


def test_only_the_ended_login_is_told_not_the_persons_other_login(
    person, service, listener, commits
):
    laptop, phone = logged_in(person), another_login(person)
    service.sign_in(laptop)
    phone_tokens = service.sign_in(phone)

    with commits():
        laptop.post("/uitloggen/")

    assert len(listener.tokens) == 1
    assert service.refresh(Client(), phone_tokens["refresh_token"]).status_code == 200


def test_a_service_without_a_back_channel_address_hears_nothing_but_its_tokens_end(person):
    quiet = RelyingParty.register("Zonder adres")
    browser = logged_in(person)
    tokens = quiet.sign_in(browser)

    browser.post("/uitloggen/")

    assert not LogoutNotice.objects.exists()
    assert quiet.refresh(Client(), tokens["refresh_token"]).status_code == 400


def test_an_expired_session_is_told_as_expired(person, service, listener, clock, commits):
    browser = logged_in(person)
    service.sign_in(browser)
    clock.shift(31 * 60)

    with commits():
        browser.get("/portaal/")

    assert len(listener.tokens) == 1
    assert LogoutNotice.objects.get().reason == "expired"


def test_a_helpdesk_reset_ends_every_login_at_every_service(person, service, listener, commits):
    laptop, phone = logged_in(person), another_login(person)
    service.sign_in(laptop)
    service.sign_in(phone)

    with commits():
        device_remove(person.app, last_factor_allowed=True)

    assert len(listener.tokens) == 2
    assert set(LogoutNotice.objects.values_list("reason", flat=True)) == {"factor_reset"}


def test_a_new_password_ends_the_other_logins_and_keeps_this_one(
    person, service, listener, commits
):
    here, elsewhere = logged_in(person), another_login(person)
    here_tokens = service.sign_in(here)
    service.sign_in(elsewhere)

    with commits():
        here.post(
            "/mijn-account/wachtwoord/",
            {
                "old_password": GOOD_PASSWORD,
                "password1": "een nieuw en lang wachtwoord",
                "password2": "een nieuw en lang wachtwoord",
            },
        )

    assert len(listener.tokens) == 1
    assert logout_claims(listener.tokens[0])["sid"] != here.session["login_id"]
    assert service.refresh(Client(), here_tokens["refresh_token"]).status_code == 200


def test_with_the_worker_the_request_only_queues(person, service, listener, worker_mode):
    browser = logged_in(person)
    service.sign_in(browser)
    browser.post("/uitloggen/")
    assert listener.tokens == []

    out = io.StringIO()
    call_command("send_invitations", stdout=out)

    assert "1 van 1 uitlogbericht aan een dienst verstuurd" in out.getvalue().splitlines()
    assert len(listener.tokens) == 1


def test_a_service_that_is_away_is_tried_again_later_then_given_up(
    person, service, listener, commits
):
    listener.status = 503
    browser = logged_in(person)
    service.sign_in(browser)

    with commits():
        browser.post("/uitloggen/")

    notice = LogoutNotice.objects.get()
    assert (notice.attempts, notice.sent_at, notice.last_error) == (1, None, "503")
    assert notice.next_attempt_at > timezone.now() + timedelta(seconds=25)
    for _ in range(backchannel.MAX_ATTEMPTS - 1):
        backchannel.logout_notices_send_due(now=timezone.now() + timedelta(days=1))
    notice.refresh_from_db()
    assert notice.failed_at is not None and notice.attempts == backchannel.MAX_ATTEMPTS
    assert AuditEvent.objects.filter(event="sso.backchannel_logout_failed").count() == 1
    assert len(listener.tokens) == backchannel.MAX_ATTEMPTS


def test_a_service_that_came_back_gets_the_notice_on_the_next_round(person, service, listener):
    listener.status = 500
    browser = logged_in(person)
    service.sign_in(browser)
    browser.post("/uitloggen/")
    listener.status = 204

    sent, attempted = backchannel.logout_notices_send_due(now=timezone.now() + timedelta(hours=1))

    assert (sent, attempted) == (1, 1)
    assert LogoutNotice.objects.get().sent_at is not None


def test_a_service_that_does_not_answer_in_time_counts_as_away(
    person, service, listener, monkeypatch, commits
):
    monkeypatch.setattr(backchannel, "TIMEOUT_SECONDS", 0.2)
    gate = threading.Event()
    original = listener.server.RequestHandlerClass.do_POST

    def slow(handler):
        gate.wait(5)
        original(handler)

    monkeypatch.setattr(listener.server.RequestHandlerClass, "do_POST", slow)
    browser = logged_in(person)
    service.sign_in(browser)

    with commits():
        browser.post("/uitloggen/")
    gate.set()

    notice = LogoutNotice.objects.get()
    assert notice.sent_at is None and notice.last_error in ("TimeoutError", "timed out")


def test_the_discovery_says_back_channel_logout_is_supported():
    config = Client().get("/oidc/.well-known/openid-configuration").json()

    assert config["backchannel_logout_supported"] is True
    assert config["backchannel_logout_session_supported"] is True
    assert config["end_session_endpoint"].endswith("/oidc/logout/")


def test_a_session_left_to_expire_is_ended_by_the_worker_and_its_services_told(
    person, service, listener, clock
):
    browser = logged_in(person)
    service.sign_in(browser)
    clock.shift(31 * 60)  # the person never comes back

    out = io.StringIO()
    call_command("send_invitations", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "1 van 1 verlopen sessie beëindigd"
    assert "1 van 1 uitlogbericht aan een dienst verstuurd" in lines
    assert LogoutNotice.objects.get().reason == "expired"
    assert len(listener.tokens) == 1
    out = io.StringIO()
    call_command("send_invitations", stdout=out)
    assert out.getvalue().splitlines()[0] == "0 van 0 verlopen sessies beëindigd"
