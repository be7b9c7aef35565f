"""Mijn gegevens (issue 17, point 4): everything kept about the person, on a page and as a JSON
download (AVG articles 15 and 20), behind a fresh second factor; never a secret, never someone
else's data."""

import base64
import json
import secrets
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import Invitation, User
from privacy.export import personal_data
from sso.models import Consent, SignIn
from tests.sso.relying_party import RelyingParty
from tests.support import GOOD_PASSWORD, give_app, logged_in, text
from tokens.models import AppDevice
from tokens.testing import device_code, inventory_token, linked_token_device
from verification.models import Conversation, Message, VerificationCode
from zorgportaal import audit
from zorgportaal.models import AuditEvent, LoginSession

pytestmark = pytest.mark.django_db

PAGE = "/privacy/mijn-gegevens/"
DOWNLOAD = "/privacy/mijn-gegevens.json"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)
SECTIONS = {
    "exported_at",
    "account",
    "devices",
    "logins",
    "services",
    "consents",
    "invitations",
    "verification",
    "audit_events",
}


def encodings(data: bytes) -> list[str]:
    """The forms in which bytes could end up in a JSON file."""
    return [
        data.hex(),
        base64.b64encode(data).decode(),
        base64.urlsafe_b64encode(data).decode().rstrip("="),
        base64.b32encode(data).decode().rstrip("="),
    ]


class Record:
    """One person's things, a few of each, and the secrets among them."""

    def __init__(self, person, *, organisation, role, agent, services, codes=("8642", "7319")):
        self.person = person
        self.secrets: list[str] = [person.password]
        now = timezone.now()
        self._devices(organisation)
        for ended in (True, False):
            session = LoginSession.objects.create(
                user=person,
                login_id=secrets.token_hex(16),
                session_key=secrets.token_hex(20),
                user_agent=CHROME_WINDOWS,
                client_ip="192.0.2.10",
                ended_at=now if ended else None,
                end_reason="logout" if ended else "",
            )
            self.secrets += [session.session_key, session.login_id]
        for service in services:
            sign_in = SignIn.objects.create(
                user=person,
                application=service.service.application,
                login_id=secrets.token_hex(16),
                authenticated_at=now,
                code_hash=secrets.token_hex(32),
            )
            self.secrets += [sign_in.code_hash, sign_in.login_id]
            Consent.objects.create(
                user=person, application=service.service.application, scopes=["openid", "email"]
            )
        for revoked in (True, False):
            invitation = Invitation(
                email=person.email,
                organisation=organisation,
                role=role,
                first_name=person.first_name,
                revoked_at=now if revoked else None,
                used_at=None if revoked else now,
                user=None if revoked else person,
            )
            link = invitation.new_token()
            invitation.save()
            self.secrets += [link, invitation.token_hash, invitation.link_salt]
        for number, code in enumerate(codes):
            VerificationCode.objects.create(
                user=person,
                code=code,
                expires_at=now + timedelta(hours=1),
                ended_at=now if number < len(codes) - 1 else None,
                end_reason="used" if number < len(codes) - 1 else "",
            )
            self.secrets.append(code)
        for _chat in range(2):
            chat = Conversation.objects.create(
                person=person, taken_by=agent, taken_at=now, closed_at=now
            )
            Message.objects.create(conversation=chat, kind="person", author=person, text="Hallo")
            Message.objects.create(
                conversation=chat, kind="system", author=agent, event=Message.Event.TAKEN
            )
            Message.objects.create(
                conversation=chat, kind="agent", author=agent, text="Noemt u uw code?"
            )
        audit.record("password.changed", actor=person, subject=person)
        audit.record(
            "verification.succeeded",
            actor=agent,
            subject=person,
            channel="phone",
            note=f"Gebeld door {agent.get_full_name()} ({agent.email})",
        )
        audit.record("device.confirmed", subject=person, seed="S33DS33DS33D", kind="appdevice")
        self.secrets.append("S33DS33DS33D")

    def _devices(self, organisation):
        person = self.person
        token_secret = secrets.token_bytes(20)
        token = inventory_token(
            f"77{person.pk:08d}", organisation=organisation, secret=token_secret
        )
        linked_token_device(person, token)
        credential_id, public_key = secrets.token_bytes(32), secrets.token_bytes(77)
        key = WebAuthnCredential.objects.create(
            user=person,
            name="YubiKey 5",
            confirmed=True,
            credential_id=credential_id,
            public_key=public_key,
            credential_id_sha256=WebAuthnCredential.get_credential_id_sha256(credential_id),
            aaguid="cb69481e-8ff7-4039-93ec-0a2729a154a8",
        )
        self.secrets += [
            person.app.encrypted_secret,
            token.encrypted_seed,
            key.credential_id_sha256,
            *encodings(person.app.secret()),
            *encodings(token_secret),
            *encodings(credential_id),
            *encodings(public_key),
        ]


@pytest.fixture
def services(db):
    return [RelyingParty.register(), RelyingParty.register("Zorgmail", first_party=False)]


@pytest.fixture
def make_record(organisation, role, agent, services):
    def make(person) -> Record:
        return Record(person, organisation=organisation, role=role, agent=agent, services=services)

    return make


@pytest.fixture
def record(person, make_record):
    return make_record(person)


@pytest.fixture
def browser(person, make_record):
    """Anna logged in (with her app: a key, once she has one, asks the key step), then her
    record."""
    logged_in_browser = logged_in(person)
    make_record(person)
    return logged_in_browser


@pytest.fixture
def other(organisation, role, agent, services):
    """Bram, of the same organisation, with a record of his own."""
    bram = give_app(
        User.objects.create_user(
            "bram.jansen@delinde.example",
            GOOD_PASSWORD,
            first_name="Bram",
            last_name="Jansen",
            organisation=organisation,
            role=role,
        )
    )
    return Record(
        bram,
        organisation=organisation,
        role=role,
        agent=agent,
        services=services,
        codes=("5197", "6083"),
    )


def test_every_section_is_there_with_the_persons_things(record, person):
    data = personal_data(person)

    assert set(data) == SECTIONS
    assert data["account"]["email"] == person.email
    assert data["account"]["organisation"] == "Huisartsenpraktijk De Linde"
    assert data["account"]["role"] == "Doktersassistent"
    assert data["account"]["identity_verified_at"].startswith(str(timezone.now().year))
    assert {device["name"] for device in data["devices"]} == {
        "Authenticator-app",
        f"Token 77{person.pk:08d}",
        "YubiKey 5",
    }
    assert "Beveiligingssleutel of passkey" in {device["kind"] for device in data["devices"]}
    assert [login["browser"] for login in data["logins"]] == ["Chrome op Windows"] * 2
    assert data["logins"][0]["client_ip"] == "192.0.2.10"
    assert data["logins"][0]["ended_how"] == "uitgelogd"
    assert [sign_in["service"] for sign_in in data["services"]] == ["Calculus VIPLive", "Zorgmail"]
    assert data["consents"][0]["scopes"] == ["openid", "email"]
    assert [invitation["status"] for invitation in data["invitations"]] == [
        "ingetrokken",
        "gebruikt",
    ]
    assert len(data["verification"]["codes"]) == 2
    assert data["verification"]["codes"][0]["ended_how"] == "gebruikt"
    chat = data["verification"]["chats"][0]
    assert [line["from"] for line in chat["messages"]] == ["U", "Systeem", "Helpdesk"]
    assert chat["messages"][1]["text"] == "Een medewerker van de helpdesk helpt u verder."
    assert {"password.changed", "verification.succeeded", "device.confirmed"} <= {
        event["event"] for event in data["audit_events"]
    }


def test_the_file_holds_no_secret(record, person):
    exported = json.dumps(personal_data(person), ensure_ascii=False)

    found = [secret for secret in record.secrets if secret and secret in exported]
    assert found == []
    for name in ("seed", "code_hash", "token_hash", "link_salt", "session_key", "public_key"):
        assert f'"{name}"' not in exported
    assert '"credential_id' not in exported


def test_an_agent_is_named_by_their_role_never_by_name_or_address(record, person, agent):
    data = personal_data(person)
    exported = json.dumps(data, ensure_ascii=False)

    for name in (agent.email, agent.first_name, agent.last_name):
        assert name not in exported
    verified = next(e for e in data["audit_events"] if e["event"] == "verification.succeeded")
    assert verified["by"] == "helpdesk"
    assert verified["details"] == {"channel": "phone", "note": "Gebeld door helpdesk (helpdesk)"}
    assert verified["client_ip"] is None


def test_another_persons_data_is_never_included(record, other, person):
    audit.record(
        "account.changed_by_administrator",
        actor=person,
        subject=other.person,
        changed={"first_name": ["Bram", "Bram-Jan"]},
    )

    exported = json.dumps(personal_data(person), ensure_ascii=False)

    assert other.person.email not in exported
    assert "Bram" not in exported
    assert [secret for secret in other.secrets if secret in exported] == []
    assert json.loads(exported)["audit_events"][-1]["other_account"] is True
    assert len(json.loads(exported)["devices"]) == 3


def test_the_number_of_queries_does_not_grow_with_what_a_person_has(
    record, person, agent, django_assert_max_num_queries
):
    with django_assert_max_num_queries(11):  # a section a query; devices 3, chats 2
        personal_data(person)
    with CaptureQueriesContext(connection) as before:
        personal_data(person)
    more_of_each(person, agent)

    with django_assert_max_num_queries(len(before)):
        data = personal_data(person)

    assert len(data["verification"]["chats"]) == 3
    assert len(data["logins"]) == 3
    assert len(data["devices"]) == 4


def more_of_each(person, agent) -> None:
    AppDevice.objects.create(user=person, name="Tablet", confirmed=True)
    LoginSession.objects.create(user=person, login_id="x" * 32, session_key="y" * 40)
    chat = Conversation.objects.create(person=person, taken_by=agent, closed_at=timezone.now())
    for line in ("Hallo?", "Nog iemand daar?"):
        Message.objects.create(conversation=chat, kind="person", author=person, text=line)
    audit.record("password.changed", actor=person, subject=person)


def test_the_page_shows_every_section_in_dutch(browser):
    answer = browser.get(PAGE)

    assert answer.status_code == 200
    assert answer["Cache-Control"].startswith("max-age=0")
    page = text(answer)
    for heading in (
        "Mijn gegevens",
        "Authenticatiemiddelen",
        "Inlogsessies",
        "Diensten waarbij u inlogde",
        "Toestemmingen voor diensten",
        "Uitnodigingen",
        "Verificatiecodes",
        "Chatgesprekken",
        "Gebeurtenissen in de audittrail",
        "Download als JSON",
    ):
        assert heading in page
    assert 'aria-current="page">Mijn gegevens</a>' in page
    assert 'href="/privacy/"' in page
    assert "YubiKey 5" in page and "Zorgmail" in page
    assert "8642" not in page and agent_name_absent(page)


def agent_name_absent(page: str) -> bool:
    return "Sanne" not in page and "sanne@topicus.example" not in page


def test_the_download_is_a_dated_json_file_and_is_audited(browser, person):
    answer = browser.get(DOWNLOAD)

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    today = timezone.localdate().isoformat()
    assert answer["Content-Disposition"] == f'attachment; filename="mijn-gegevens-{today}.json"'
    assert answer["Cache-Control"].startswith("max-age=0")
    data = json.loads(answer.content)
    assert set(data) == SECTIONS
    assert data["account"]["email"] == person.email
    exported = AuditEvent.objects.get(event="privacy.exported")
    assert (exported.subject, exported.actor, exported.details) == (person, person, {})


def test_the_page_alone_is_not_audited(person):
    logged_in(person).get(PAGE)

    assert not AuditEvent.objects.filter(event="privacy.exported").exists()


@pytest.mark.parametrize("url", [PAGE, DOWNLOAD])
def test_a_login_older_than_ten_minutes_asks_a_fresh_code_first(person, clock, url):
    browser = logged_in(person)
    clock.shift(11 * 60)

    answer = browser.get(url)

    assert answer["Location"] == f"/mijn-account/bevestigen/?next={url.replace('/', '%2F')}"
    assert not AuditEvent.objects.filter(event="privacy.exported").exists()
    code = {"device": person.app.persistent_id, "code": device_code(person.app), "next": url}
    assert browser.post("/mijn-account/bevestigen/", code)["Location"] == url
    assert browser.get(url).status_code == 200


@pytest.mark.parametrize("url", [PAGE, DOWNLOAD])
def test_anonymous_visitors_are_sent_to_the_login(client, url):
    answer = client.get(url)

    assert answer.status_code == 302
    assert answer["Location"].startswith("/inloggen/")
    assert not AuditEvent.objects.filter(event="privacy.exported").exists()


def test_the_download_answers_only_a_get(person):
    browser = logged_in(person)

    assert browser.post(DOWNLOAD).status_code == 405
    assert not AuditEvent.objects.filter(event="privacy.exported").exists()
