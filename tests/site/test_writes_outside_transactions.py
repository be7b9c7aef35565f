"""Every view that writes, used as people use it, outside a test transaction (issue 12, point 1).

Most tests run inside a transaction that is rolled back afterwards. There a row lock
(`select_for_update`) works anywhere, and `on_commit` callbacks wait for a commit that never
comes. In production every request runs in autocommit: PostgreSQL refuses a lock outside
`transaction.atomic` (TransactionManagementError, a 500 for the person) and `on_commit` runs
right after a real commit. Removing an authenticator answered 500 on PostgreSQL for exactly this
reason while the suite passed. These tests use `transaction=True`, so every request meets the
database as in production; CI runs them on SQLite and again on PostgreSQL with Redis.

The last test lists every URL pattern whose view can write and fails when one was not requested
here: a new view that writes needs a test in this module, or a line in CANNOT_WRITE saying why
it cannot write.
"""

import inspect
import io
import secrets

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from accounts.invitations import invitations_create
from accounts.models import Invitation, Organisation, PasswordResetMail, User
from portal.models import Service
from sso.models import Consent
from tests.sso.relying_party import REDIRECT_URI, RelyingParty
from tests.support import (
    GOOD_PASSWORD,
    give_app,
    link_from_mail,
    log_in,
    logged_in,
    make_agent,
    next_code_allowed,
    reset_link,
    unverify,
)
from tokens.models import AppDevice, AzureCsvImport, HardwareToken, HardwareTokenDevice
from tokens.testing import azure_csv, code_for, device_code, inventory_token, linked_token_device
from verification import services as verification
from verification.models import Conversation, Message
from zorgportaal.models import AuditEvent, LoginSession

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("open_helpdesk", "clock"),
]

NEW_PASSWORD = "een heel ander wachtwoord voor later"

# "app_name:url_name" of every view requested here outside a transaction, and
# "…_changelist#action" for every admin action posted.
REQUESTED: set[str] = set()


class RecordingClient(Client):
    """A browser that notes which view answered each request, and which admin action it ran."""

    def request(self, **request):
        _note(request["PATH_INFO"])
        return super().request(**request)

    def post(self, path, data=None, *args, **kwargs):
        if isinstance(data, dict) and data.get("action"):
            _note(path, action=data["action"])
        return super().post(path, data, *args, **kwargs)


def _note(path: str, *, action: str = "") -> None:
    if connection.in_atomic_block:  # only requests that meet the database as in production
        return
    try:
        match = resolve(path.split("?")[0])
    except Resolver404:
        return
    name = ":".join([*match.app_names, match.url_name or ""])
    REQUESTED.add(f"{name}#{action}" if action else name)


@pytest.fixture
def client():
    return RecordingClient()


def page_after(response) -> str:
    """The page, or the page a redirect leads to (with its messages)."""
    if response.status_code == 302:
        response = response.client.get(response["Location"])
    assert response.status_code == 200
    return response.content.decode()


def csv_upload(*serials: str) -> tuple[SimpleUploadedFile, dict[str, bytes]]:
    secrets_by_serial = {serial: secrets.token_bytes(20) for serial in serials}
    data = azure_csv([(serial, secret, 30) for serial, secret in secrets_by_serial.items()])
    return SimpleUploadedFile("tokens.csv", data, content_type="text/csv"), secrets_by_serial


def invited(organisation, role, address="anna.devries@delinde.example") -> str:
    """The servicedesk's invitation; its mail goes out after the real commit."""
    invitations_create(text=f"Anna de Vries <{address}>", organisation=organisation, role=role)
    assert mail.outbox[-1].to == [address]
    return link_from_mail(mail.outbox[-1])


def password_chosen(client, link) -> User:
    assert client.get(link)["Location"] == "/registreren/wachtwoord/"
    password = {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    answer = client.post("/registreren/wachtwoord/", password)
    assert answer["Location"] == "/registreren/authenticatiemiddel/"
    return User.objects.get(email="anna.devries@delinde.example")


@pytest.fixture
def admin_client(administrator):
    """conftest's, in a browser that notes what it requested."""
    browser = logged_in(administrator, client=RecordingClient())
    browser.user = administrator
    return browser


# Registration


def test_a_person_registers_with_an_app_and_may_begin_again(client, organisation, role):
    user = password_chosen(client, invited(organisation, role))
    assert Invitation.objects.get().used_at is not None
    assert "QR-code" in client.get("/registreren/app/").content.decode()
    assert AppDevice.objects.filter(user=user, confirmed=False).exists()
    assert client.post("/registreren/opnieuw/")["Location"] == "/registreren/wachtwoord/"
    assert not AppDevice.objects.filter(user=user).exists()
    answer = client.post(
        "/registreren/wachtwoord/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert answer["Location"] == "/registreren/authenticatiemiddel/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert "Authenticatiemiddel kiezen" in page_after(answer)
    client.get("/registreren/app/")
    device = AppDevice.objects.get(user=user, confirmed=False)
    answer = client.post("/registreren/app/", {"code": device_code(device)})
    assert answer["Location"] == "/registreren/klaar/"
    assert "Account succesvol aangemaakt" in page_after(answer)
    assert AppDevice.objects.get(user=user).confirmed
    assert "Welkom op het Topicus Zorgportaal" in client.get("/verificatie/").content.decode()


def test_a_person_uploads_the_azure_csv_and_links_the_token_while_registering(
    client, organisation, role
):
    user = password_chosen(client, invited(organisation, role))
    upload, seeds = csv_upload("2000000201")
    answer = client.post("/registreren/token/uploaden/", {"csv_file": upload})
    assert answer["Location"] == "/registreren/token/"
    assert "De CSV is succesvol ge-upload" in page_after(answer)
    token = HardwareToken.objects.get(serial="2000000201")
    assert token.organisation == organisation
    code = code_for(seeds["2000000201"])
    answer = client.post("/registreren/token/", {"serial": "2000000201", "code": code})
    assert answer["Location"] == "/registreren/klaar/"
    assert HardwareTokenDevice.objects.get(hardware_token=token).user == user


# Logging in and out


def test_a_person_logs_in_with_password_and_code_and_logs_out(client, person):
    assert "Kies hoe u wilt inloggen." in client.get("/").content.decode()
    answer = client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    assert answer["Location"] == "/inloggen/code/"
    code = {"device": person.app.persistent_id, "code": device_code(person.app)}
    answer = client.post("/inloggen/code/", code)
    assert answer["Location"] == "/portaal/"
    assert "Diensten" in page_after(answer)
    for url in ("/portaal/notificaties/", "/portaal/documentatie/", "/mijn-account/"):
        assert client.get(url).status_code == 200, url
    person.refresh_from_db()
    assert person.last_login is not None
    answer = client.post("/uitloggen/")
    assert answer["Location"] == "/inloggen/"
    assert "U bent uitgelogd." in page_after(answer)
    events = AuditEvent.objects.filter(subject=person).values_list("event", flat=True)
    assert {"login.password_accepted", "login.succeeded", "logout"} <= set(events)


def test_a_person_registers_a_security_key_and_logs_in_with_it(
    client, organisation, role, settings
):
    from tests.support import SoftKey, options_of

    settings.PASSKEYS_ENABLED = True
    user, key = password_chosen(client, invited(organisation, role)), SoftKey()
    options = options_of(client.get("/registreren/sleutel/"))
    answer = client.post("/registreren/sleutel/", {"credential": key.register(options)})
    assert answer["Location"] == "/registreren/klaar/"
    client.post("/uitloggen/")
    answer = client.post("/inloggen/", {"email": user.email, "password": GOOD_PASSWORD})
    assert answer["Location"] == "/inloggen/sleutel/"
    options = options_of(client.get("/inloggen/sleutel/"))
    answer = client.post("/inloggen/sleutel/", {"credential": key.assert_(options)})
    assert answer["Location"] == "/portaal/"
    client.post("/uitloggen/")
    options = options_of(client.get("/inloggen/"))
    passkey = key.assert_(options, user_handle=key.user_handle)
    answer = client.post("/inloggen/passkey/", {"credential": passkey})
    assert answer["Location"] == "/portaal/"
    assert client.get("/portaal/")["Location"] == "/verificatie/"  # logged in, not yet verified


def test_the_language_switch_answers_in_english(client):
    answer = client.post("/i18n/setlang/", {"language": "en", "next": "/inloggen/"})
    assert answer["Location"] == "/inloggen/"
    assert answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Log in to <strong>ZorgPortaal</strong>" in page_after(answer)
    assert not AuditEvent.objects.exists()  # only a cookie: nothing in the database


# Password reset: the mail after the real commit, and the worker


def test_a_forgotten_password_is_reset_with_the_mail_sent_after_the_commit(client, person):
    answer = client.post("/wachtwoord-vergeten/", {"email": person.email})
    assert answer["Location"] == "/wachtwoord-vergeten/verstuurd/"
    assert "Controleer uw mail" in page_after(answer)
    (message,) = mail.outbox  # on_commit ran: the request's transaction really committed
    assert message.subject == "Nieuw wachtwoord kiezen voor uw Topicus Zorg Account"
    assert PasswordResetMail.objects.get(user=person).sent_at is not None
    form_url = client.get(reset_link(message))["Location"]
    password = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    answer = client.post(form_url, password)
    assert answer["Location"] == "/inloggen/"
    assert "Uw wachtwoord is gewijzigd." in page_after(answer)
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert mail.outbox[-1].subject == "Het wachtwoord van uw Topicus Zorg Account is gewijzigd"


def test_the_mail_worker_sends_what_the_requests_queued(
    settings, servicedesk_client, person, organisation, role
):
    settings.MAIL_QUEUE = "worker"
    RecordingClient().post("/wachtwoord-vergeten/", {"email": person.email})
    invitation = {"addresses": "nieuw@delinde.example", "language": "nl"}
    servicedesk_client.post(
        "/admin/accounts/invitation/uitnodigen/",
        {**invitation, "organisation": organisation.pk, "role": role.pk},
    )
    assert mail.outbox == []
    out = io.StringIO()
    call_command("send_invitations", stdout=out)  # claims rows with SELECT … FOR UPDATE
    assert out.getvalue().splitlines() == [
        "0 van 0 verlopen sessies beëindigd",
        "1 van 1 uitnodigingsmail verstuurd",
        "1 van 1 mail voor een nieuw wachtwoord verstuurd",
        "0 van 0 uitlogberichten aan diensten verstuurd",
        "0 van 0 chats gesloten bij sluitingstijd",
    ]
    assert sorted(m.to[0] for m in mail.outbox) == [person.email, "nieuw@delinde.example"]
    assert Invitation.objects.get().sent_at is not None
    assert PasswordResetMail.objects.get().sent_at is not None


# Mijn account


def test_mijn_account_asks_a_fresh_code_and_then_removes_an_authenticator(client, person, clock):
    spare = AppDevice.objects.create(user=person, name="Reservetelefoon", confirmed=True)
    log_in(client, person)
    clock.shift(11 * 60)  # the login's code is no longer fresh
    remove = f"/mijn-account/verwijderen/{spare.persistent_id}/"
    assert client.post(remove)["Location"].startswith("/mijn-account/bevestigen/")
    code = {"device": person.app.persistent_id, "code": device_code(person.app)}
    answer = client.post("/mijn-account/bevestigen/", {**code, "next": "/mijn-account/"})
    assert answer["Location"] == "/mijn-account/"
    answer = client.post(remove)
    assert answer["Location"] == "/mijn-account/"
    assert "Het authenticatiemiddel is verwijderd." in page_after(answer)
    assert list(AppDevice.objects.filter(user=person)) == [person.app]
    assert AuditEvent.objects.filter(event="device.removed", subject=person).exists()


def test_mijn_account_changes_the_password_and_imports_tokens(client, person):
    log_in(client, person)
    password = {"old_password": GOOD_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    answer = client.post("/mijn-account/wachtwoord/", password)
    assert answer["Location"] == "/mijn-account/"
    assert "Uw wachtwoord is gewijzigd." in page_after(answer)
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert mail.outbox[-1].to == [person.email]
    upload, _seeds = csv_upload("4000000401", "4000000402")
    answer = client.post("/mijn-account/azure-csv/", {"csv_file": upload})
    assert answer["Location"] == "/mijn-account/azure-csv/"
    assert "Er zijn 2 tokens toegevoegd." in page_after(answer)
    assert AzureCsvImport.objects.get(source=AzureCsvImport.Source.MYACCOUNT).token_count == 2


def test_mijn_account_ends_sessions_and_withdraws_a_consent(client, person, admin_client):
    log_in(client, person)
    next_code_allowed(person)
    other = logged_in(person)
    record = LoginSession.objects.get(login_id=other.session["login_id"])
    assert "(deze sessie)" in page_after(client.get("/mijn-account/sessies/"))
    answer = client.post(f"/mijn-account/sessies/{record.pk}/beeindigen/")
    assert "De sessie is beëindigd." in page_after(answer)
    answer = client.post("/mijn-account/sessies/andere-beeindigen/")
    assert "Al uw andere sessies zijn beëindigd." in page_after(answer)
    partner = RelyingParty.register("Partnerdienst", first_party=False)
    consent = Consent.objects.create(user=person, application=partner.service.application)
    answer = client.post(f"/mijn-account/toestemmingen/{consent.pk}/intrekken/")
    assert "Uw toestemming is ingetrokken." in page_after(answer)
    assert "beëindigd" in act(admin_client, "/admin/accounts/user/", "end_sessions", person)
    assert client.get("/portaal/")["Location"].startswith("/inloggen/")


def test_mijn_gegevens_shows_the_persons_data_and_audits_the_download_after_a_fresh_code(
    client, person, clock
):
    log_in(client, person)
    assert "Download als JSON" in page_after(client.get("/privacy/mijn-gegevens/"))
    clock.shift(11 * 60)  # the login's code is no longer fresh
    download = "/privacy/mijn-gegevens.json"
    assert client.get(download)["Location"].startswith("/mijn-account/bevestigen/")
    code = {"device": person.app.persistent_id, "code": device_code(person.app)}
    answer = client.post("/mijn-account/bevestigen/", {**code, "next": download})
    assert answer["Location"] == download
    assert client.get(download).json()["account"]["email"] == person.email
    assert AuditEvent.objects.filter(event="privacy.exported", subject=person).count() == 1


def test_mijn_account_adds_an_app_and_uploads_and_links_a_token(client, person, clock):
    log_in(client, person)
    assert "App instellen" in client.get("/mijn-account/app/").content.decode()
    new = AppDevice.objects.get(user=person, confirmed=False)
    answer = client.post("/mijn-account/app/", {"code": device_code(new)})
    assert answer["Location"] == f"/mijn-account/naam/{new.persistent_id}/?nieuw"
    assert "Het authenticatiemiddel is toegevoegd." in page_after(answer)
    upload, seeds = csv_upload("4000000501")
    answer = client.post("/mijn-account/token/uploaden/", {"csv_file": upload})
    assert answer["Location"] == "/mijn-account/token/"
    code = code_for(seeds["4000000501"])
    answer = client.post("/mijn-account/token/", {"serial": "4000000501", "code": code})
    token = HardwareTokenDevice.objects.get(user=person)
    assert answer["Location"] == f"/mijn-account/naam/{token.persistent_id}/?nieuw"
    assert token.hardware_token.serial == "4000000501"
    assert AzureCsvImport.objects.get().source == AzureCsvImport.Source.MYACCOUNT


def test_mijn_account_adds_a_security_key(client, person, settings):
    from tests.support import SoftKey, options_of

    settings.PASSKEYS_ENABLED = True
    log_in(client, person)
    options = options_of(client.get("/mijn-account/sleutel/"))
    answer = client.post(
        "/mijn-account/sleutel/", {"credential": SoftKey().register(options), "name": "YubiKey"}
    )
    assert answer["Location"] == "/mijn-account/"
    assert "Uw beveiligingssleutel of passkey “YubiKey” is toegevoegd." in page_after(answer)


def test_a_service_asks_for_a_key_and_a_code_login_steps_up(client, person, settings):
    from sso.assurance import ACR_PHISHING_RESISTANT
    from tests.support import SoftKey, options_of

    settings.PASSKEYS_ENABLED = True
    log_in(client, person)
    key = SoftKey()
    options = options_of(client.get("/mijn-account/sleutel/"))
    client.post("/mijn-account/sleutel/", {"credential": key.register(options), "name": "Key"})
    partner = RelyingParty.register()
    asked = client.get(partner.authorize_url(acr_values=ACR_PHISHING_RESISTANT))
    assert asked["Location"].startswith("/oidc/sleutel/?next=")
    options = options_of(client.get(asked["Location"]))
    answer = client.post(asked["Location"], {"credential": key.assert_(options)})
    code = partner.callback(client.get(answer["Location"]))["code"]
    assert partner.exchange(client, code).status_code == 200


# Verification: the person's chat and the helpdesk console


def chat_started(client, person) -> tuple[Conversation, str]:
    """The person at the helpdesk step starts the chat and gives the code from their page."""
    page = client.get("/verificatie/").content.decode()
    code = verification.code_current(user=person).code
    assert code in page
    answer = client.post("/verificatie/chat/starten/")
    conversation = Conversation.objects.get(person=person)
    assert answer["Location"] == f"/verificatie/chat/{conversation.pk}/"
    assert "Chat met de helpdesk" in page_after(answer)
    answer = client.post(f"/verificatie/chat/{conversation.pk}/bericht/", {"text": f"Code {code}"})
    assert answer["Location"] == f"/verificatie/chat/{conversation.pk}/#bericht"
    assert Message.objects.filter(conversation=conversation, text=f"Code {code}").exists()
    return conversation, code


def taken_by(console, conversation) -> str:
    """The agent takes the chat from the queue and answers; returns the console's chat URL."""
    assert "Anna de Vries" in console.get("/helpdesk/").content.decode()
    answer = console.post(f"/helpdesk/gesprek/{conversation.pk}/overnemen/")
    url = f"/helpdesk/gesprek/{conversation.pk}/"
    assert answer["Location"] == url
    assert "Gesprek met Anna de Vries" in page_after(answer)
    assert console.post(f"{url}bericht/", {"text": "Ik controleer uw code."})["Location"] == (
        f"{url}#bericht"
    )
    assert "Code " in console.get(f"{url}berichten/", {"na": 0}).json()["html"]
    return url


def test_the_helpdesk_verifies_a_person_in_the_chat(client, person):
    log_in(client, unverify(person))
    conversation, code = chat_started(client, person)
    console = logged_in(make_agent(), client=RecordingClient())
    url = taken_by(console, conversation)
    poll = f"/verificatie/chat/{conversation.pk}/berichten/"
    assert "Ik controleer uw code." in client.get(poll, {"na": 0}).json()["html"]
    answer = console.post(f"{url}verifieren/", {"verify-code": code})
    assert answer["Location"] == "/helpdesk/"
    assert "Anna de Vries is geverifieerd." in page_after(answer)
    person.refresh_from_db()
    assert person.identity_verified_at is not None
    assert Conversation.objects.get().closed_at is not None
    assert client.get(poll, {"na": 0})["Location"] == "/portaal/"
    assert "Diensten" in client.get("/portaal/").content.decode()


def test_the_helpdesk_resets_factors_in_the_chat_and_closes_it(client, person):
    log_in(client, unverify(person))
    conversation, code = chat_started(client, person)
    console = logged_in(make_agent(), client=RecordingClient())
    url = taken_by(console, conversation)
    answer = console.post(f"{url}resetten/", {"reset-code": code})
    assert answer["Location"] == url
    assert "zijn verwijderd (1)" in page_after(answer)
    assert not AppDevice.objects.filter(user=person).exists()
    assert (
        mail.outbox[-1].subject == "Het authenticatiemiddel van uw Topicus Zorg Account is gereset"
    )
    assert client.get("/verificatie/")["Location"].startswith("/inloggen/")
    answer = console.post(f"{url}sluiten/")
    assert answer["Location"] == "/helpdesk/"
    assert "Het gesprek is gesloten." in page_after(answer)
    assert Conversation.objects.get().closed_at is not None


def looked_up_by_phone(console, person, code) -> str:
    answer = console.post("/helpdesk/telefonisch/", {"email": person.email, "code": code})
    account = f"/helpdesk/account/{person.pk}/"
    assert answer["Location"] == account
    assert "De code klopt." in page_after(answer)
    return account


def test_the_helpdesk_verifies_one_caller_and_resets_another_by_phone(client, person):
    console = logged_in(make_agent(), client=RecordingClient())
    log_in(client, unverify(person))
    client.get("/verificatie/")
    assert client.get("/verificatie/status/").status_code == 204  # verification.js asks
    account = looked_up_by_phone(console, person, verification.code_current(user=person).code)
    answer = console.post(f"{account}verifieren/")
    assert answer["Location"] == "/helpdesk/telefonisch/"
    assert "Anna de Vries is geverifieerd." in page_after(answer)
    person.refresh_from_db()
    assert person.identity_verified_at is not None
    # The page moves on by itself: the gate sends the poll on (a new session key, written).
    assert client.get("/verificatie/status/")["Location"] == "/portaal/"

    caller = give_app(
        User.objects.create_user(
            "jan@delinde.example", GOOD_PASSWORD, first_name="Jan", organisation=person.organisation
        )
    )
    lost = RecordingClient()  # Jan's phone is gone: the password only, then the code page
    lost.post("/inloggen/", {"email": caller.email, "password": GOOD_PASSWORD})
    page = lost.get("/verificatie/authenticatiemiddel-kwijt/").content.decode()
    code = verification.code_current(user=caller).code
    assert code in page
    account = looked_up_by_phone(console, caller, code)
    answer = console.post(f"{account}resetten/")
    assert answer["Location"] == "/helpdesk/telefonisch/"
    assert "zijn verwijderd (1)" in page_after(answer)
    assert not AppDevice.objects.filter(user=caller).exists()
    assert mail.outbox[-1].to == [caller.email]


# The Django admin: our own views, actions and deletions


def test_the_servicedesk_invites_resends_and_revokes_in_the_admin(
    servicedesk_client, organisation, role
):
    add = servicedesk_client.get("/admin/accounts/invitation/add/")  # the list's add button
    assert add["Location"] == "/admin/accounts/invitation/uitnodigen/"
    admin_page = servicedesk_client.get(add["Location"])
    assert "E-mailadressen uitnodigen" in admin_page.content.decode()
    answer = servicedesk_client.post(
        "/admin/accounts/invitation/uitnodigen/",
        {
            "addresses": "een@delinde.example\ntwee@delinde.example",
            "organisation": organisation.pk,
            "role": role.pk,
            "language": "nl",
        },
    )
    assert answer["Location"] == "/admin/accounts/invitation/"
    assert "Uitgenodigd (2)" in page_after(answer)
    assert len(mail.outbox) == 2  # after the real commit
    first, second = Invitation.objects.order_by("email")
    old_link = link_from_mail(next(m for m in mail.outbox if m.to == [first.email]))

    page = act(servicedesk_client, "/admin/accounts/invitation/", "resend", first)
    assert "1 uitnodiging opnieuw verstuurd." in page
    assert len(mail.outbox) == 3
    assert RecordingClient().get(old_link).status_code in (404, 410)

    overview = "/admin/accounts/invitation/overzicht/"
    assert "Overzicht registraties en helpdesk" in page_after(servicedesk_client.get(overview))
    answer = servicedesk_client.post(f"{overview}{second.pk}/opnieuw-versturen/")
    assert answer["Location"] == overview
    assert f"Nieuwe uitnodiging verstuurd naar {second.email}." in page_after(answer)
    assert mail.outbox[-1].to == [second.email]

    page = act(servicedesk_client, "/admin/accounts/invitation/", "revoke", second)
    assert "1 uitnodiging ingetrokken." in page
    second.refresh_from_db()
    assert second.revoked_at is not None


def act(client, changelist: str, action: str, *objects, **extra) -> str:
    """Tick objects on an admin list and run an action; the page it answers or leads to."""
    data = {"action": action, "index": 0, "_selected_action": [o.pk for o in objects], **extra}
    return page_after(client.post(changelist, data))


def test_an_administrator_imports_a_token_batch_and_deletes_tokens(admin_client, organisation):
    tokens = "/admin/tokens/hardwaretoken/"
    add = admin_client.get(f"{tokens}add/")  # the list's add button
    assert add["Location"] == f"{tokens}uploaden/"
    assert "Azure CSV uploaden" in page_after(add)
    upload, _seeds = csv_upload("5000000501", "5000000502", "5000000503")
    answer = admin_client.post(
        f"{tokens}uploaden/", {"organisation": organisation.pk, "csv_file": upload}
    )
    assert answer["Location"] == "/admin/tokens/azurecsvimport/"
    assert "3 tokens geïmporteerd uit tokens.csv." in page_after(answer)
    assert HardwareToken.objects.filter(organisation=organisation).count() == 3
    first, *others = HardwareToken.objects.order_by("serial")
    answer = admin_client.post(f"{tokens}{first.pk}/delete/", {"post": "yes"})
    assert "met succes verwijderd." in page_after(answer)  # on the admin's start page
    assert "2 hardware tokens met succes verwijderd." in act(
        admin_client, tokens, "delete_selected", *others, post="yes"
    )
    assert not HardwareToken.objects.exists()


def two_devices(kind: str, person) -> list:
    """Two confirmed factors of one kind, and no other."""
    if kind == "appdevice":
        return [person.app, AppDevice.objects.create(user=person, name="Tweede", confirmed=True)]
    AppDevice.objects.filter(user=person).delete()
    return [
        linked_token_device(person, inventory_token(serial, organisation=person.organisation))
        for serial in ("6000000601", "6000000602")
    ]


@pytest.mark.parametrize("kind", ["appdevice", "hardwaretokendevice"])
def test_an_administrator_unlocks_and_deletes_devices(admin_client, person, kind):
    first, second = two_devices(kind, person)
    type(first).objects.filter(pk=first.pk).update(throttling_failure_count=10)
    changelist = f"/admin/tokens/{kind}/"
    assert "1 authenticatiemiddel gedeblokkeerd." in act(admin_client, changelist, "unlock", first)
    first.refresh_from_db()
    assert first.throttling_failure_count == 0

    answer = admin_client.post(f"{changelist}{first.pk}/delete/", {"post": "yes"})
    assert answer["Location"] == changelist
    assert not type(first).objects.filter(pk=first.pk).exists()
    person.refresh_from_db()
    assert person.identity_verified_at is not None  # one factor is left

    page = act(admin_client, changelist, "delete_selected", second, post="yes")
    assert "met succes verwijderd." in page
    person.refresh_from_db()
    assert person.identity_verified_at is None  # the last one: the helpdesk checks again
    assert AuditEvent.objects.filter(event="device.removed").count() == 2


def test_an_administrator_deactivates_and_reactivates_an_account(admin_client, person):
    users = "/admin/accounts/user/"
    page = act(admin_client, users, "deactivate", person)
    assert "1 account is gedeactiveerd" in page
    person.refresh_from_db()
    assert (person.is_active, person.identity_verified_at) == (False, None)
    assert "1 account is weer actief." in act(admin_client, users, "reactivate", person)
    person.refresh_from_db()
    assert person.is_active


def test_an_administrator_verifies_staff_with_a_code_of_their_own(admin_client, clock):
    agent = unverify(make_agent())
    users = "/admin/accounts/user/"
    assert "Reden" in act(admin_client, users, "verify_staff_identity", agent)
    clock.shift(30)  # the login used the code of the step before
    device = admin_client.user.app
    answer = admin_client.post(
        users,
        {
            "action": "verify_staff_identity",
            "post": "yes",
            "_selected_action": [agent.pk],
            "reason": "Persoonlijk gesproken, legitimatie gezien",
            "device": device.persistent_id,
            "code": device_code(device),
        },
    )
    assert f"1 medewerker geverifieerd: {agent.email}" in page_after(answer)
    agent.refresh_from_db()
    assert agent.identity_verified_at is not None
    assert AuditEvent.objects.filter(event="identity.verified_by_administrator").exists()


def test_an_administrator_adds_changes_and_deletes_accounts(admin_client, organisation):
    users = "/admin/accounts/user/"
    password = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    answer = admin_client.post(f"{users}add/", {"email": "kees@topicus.example", **password})
    kees = User.objects.get(email="kees@topicus.example")
    assert answer["Location"] == f"{users}{kees.pk}/change/"
    assert kees.check_password(NEW_PASSWORD)
    account = {
        "email": kees.email,
        "first_name": "Kees",
        "last_name": "Smit",
        "organisation": organisation.pk,
        "is_active": "on",
    }
    answer = admin_client.post(f"{users}{kees.pk}/change/", account)
    assert answer["Location"] == users
    assert "is met succes gewijzigd" in page_after(answer)
    assert User.objects.get(pk=kees.pk).get_full_name() == "Kees Smit"
    answer = admin_client.post(f"{users}{kees.pk}/password/", {**password, "password1": "x" * 20})
    assert answer.status_code == 200  # the two passwords differ: the form again
    answer = admin_client.post(
        f"{users}{kees.pk}/password/", password | {"password1": "y" * 20, "password2": "y" * 20}
    )
    assert answer["Location"] == f"{users}{kees.pk}/change/"
    assert User.objects.get(pk=kees.pk).check_password("y" * 20)
    answer = admin_client.post(f"{users}{kees.pk}/delete/", {"post": "yes"})
    assert answer["Location"] == users
    assert not User.objects.filter(pk=kees.pk).exists()
    piet = User.objects.create_user("piet@topicus.example", GOOD_PASSWORD)
    assert "met succes verwijderd." in act(admin_client, users, "delete_selected", piet, post="yes")
    assert not User.objects.filter(pk=piet.pk).exists()


def test_an_administrator_adds_changes_and_deletes_groups(admin_client):
    groups = "/admin/auth/group/"
    helpdesk = Permission.objects.get(codename="helpdesk", content_type__app_label="verification")
    answer = admin_client.post(f"{groups}add/", {"name": "Helpdesk", "permissions": [helpdesk.pk]})
    assert answer["Location"] == groups
    group = Group.objects.get(name="Helpdesk")
    assert list(group.permissions.all()) == [helpdesk]
    answer = admin_client.post(f"{groups}{group.pk}/change/", {"name": "Helpdesk Noord"})
    assert answer["Location"] == groups
    assert "is met succes gewijzigd" in page_after(answer)
    group.refresh_from_db()
    assert (group.name, group.permissions.count()) == ("Helpdesk Noord", 0)
    assert admin_client.post(f"{groups}{group.pk}/delete/", {"post": "yes"})["Location"] == groups
    other = Group.objects.create(name="Servicedesk")
    assert "met succes verwijderd." in act(
        admin_client, groups, "delete_selected", other, post="yes"
    )
    assert not Group.objects.exists()


def test_an_administrator_adds_changes_and_deletes_organisations(admin_client):
    """Their passkey policy (issue 16) is audited when saved."""
    url = "/admin/accounts/organisation/"
    answer = admin_client.post(f"{url}add/", {"name": "Zorggroep Oost", "passkeys_allowed": "on"})
    assert answer["Location"] == url
    oost = Organisation.objects.get(name="Zorggroep Oost")
    aaguid = "cb69481e-8ff7-4039-93ec-0a2729a154a8"
    answer = admin_client.post(
        f"{url}{oost.pk}/change/", {"name": "Zorggroep Oost", "passkey_aaguids": aaguid}
    )
    assert answer["Location"] == url
    oost.refresh_from_db()
    assert (oost.passkeys_allowed, oost.passkey_aaguids) == (False, aaguid)
    assert AuditEvent.objects.filter(event="organisation.changed_by_administrator").exists()
    assert admin_client.post(f"{url}{oost.pk}/delete/", {"post": "yes"})["Location"] == url
    west = Organisation.objects.create(name="Zorggroep West")
    assert "met succes verwijderd." in act(admin_client, url, "delete_selected", west, post="yes")
    assert not Organisation.objects.filter(name__startswith="Zorggroep").exists()


def test_an_administrator_exports_the_audit_trail_and_the_export_is_audited(admin_client):
    answer = admin_client.get(
        "/admin/zorgportaal/auditevent/exporteren/", {"event": "login.succeeded"}
    )
    assert answer.status_code == 200
    rows = b"".join(answer.streaming_content).decode().splitlines()
    assert len(rows) == 2 and "login.succeeded" in rows[1]
    chosen = AuditEvent.objects.get(event="login.succeeded")
    data = {"action": "export_selected", "index": 0, "_selected_action": [chosen.pk]}
    answer = admin_client.post("/admin/zorgportaal/auditevent/", data)
    assert "login.succeeded" in b"".join(answer.streaming_content).decode()
    assert AuditEvent.objects.filter(event="audit.exported").count() == 2


# Single sign-on: a service registered in the admin, a person signed in to it and out again


def test_a_service_is_registered_and_signs_a_person_in_and_out(
    admin_client, person, listener, settings
):
    schemes = {"ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"]}  # the listener is plain http
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, **schemes}
    services = "/admin/portal/service/"
    form = {
        "name": "Partnerdienst",
        "url": "https://dienst.example.org/",
        "icon": "chart",
        "order": "0",
        "redirect_uris": REDIRECT_URI,
        "post_logout_redirect_uris": "https://dienst.example.org/afgemeld",
        "backchannel_logout_uri": listener.url,
    }
    made = admin_client.post(f"{services}add/", form)
    service = Service.objects.get()
    rotated = admin_client.post(f"{services}{service.pk}/clientgeheim/")
    partner = RelyingParty(service, service.application.client_id, rotated.context["client_secret"])
    assert made.context["client_secret"] != partner.client_secret
    admin_client.post(f"{services}{service.pk}/change/", {**form, "name": "Partner"})

    browser = logged_in(person, client=RecordingClient())
    consent_page = browser.get(partner.authorize_url())
    fields = consent_page.context["form"]
    data = {name: fields[name].value() or "" for name in fields.fields if name != "allow"}
    code = partner.callback(browser.post("/oidc/authorize/", {**data, "allow": "Authorize"}))
    tokens = partner.exchange(browser, code["code"]).json()
    tokens = partner.refresh(browser, tokens["refresh_token"]).json()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    assert browser.get("/oidc/userinfo/", **bearer).json()["email"] == person.email
    introspect = {"token": "x"}
    auth = {"HTTP_AUTHORIZATION": partner.basic_auth()}
    assert browser.post("/oidc/introspect/", introspect, **auth).json() == {"active": False}
    assert browser.post("/oidc/revoke/", introspect, **auth).status_code == 200

    answer = browser.get(
        "/oidc/logout/?post_logout_redirect_uri=https://dienst.example.org/afgemeld"
        f"&id_token_hint={tokens['id_token']}"
    )
    assert answer["Location"] == "https://dienst.example.org/afgemeld"
    assert len(listener.tokens) == 1  # sent right after the real commit
    assert admin_client.post(f"{services}{service.pk}/delete/", {"post": "yes"})["Location"]
    tile = Service.objects.create(name="Tegel", url="https://tegel.example.org/")
    assert "met succes verwijderd." in act(
        admin_client, services, "delete_selected", tile, post="yes"
    )
    assert not Service.objects.exists()


# Completeness: every view that can write was requested above

# Views that cannot write, so no test above needs to request them. Each says why; one that
# starts writing leaves this list and gets a test above.
CANNOT_WRITE = {
    "healthz": "the load balancer's probe: one SELECT, no session, no cookie",
    "healthz_details": "the monitoring probe: GET and HEAD only, reads the database and Redis",
    "signin:no_account": "a page of text, open at every stage",
    "privacy:statement": "a page of text from the register, open at every stage",
    "favicon": "a redirect to a static file, open at every stage",
    "admin:login": "the admin's login page only redirects, to ours or to the portal",
    "oauth2_provider:oidc-connect-discovery-info": "the provider's description, the same for all",
    "oauth2_provider:jwks-info": "the public signing keys, from the settings",
}

# ModelAdmin hooks that, when we override them, run our code inside Django's admin views.
OUR_CODE_IN_DJANGOS_VIEWS = {
    "save_model": ("add", "change"),
    "save_related": ("add", "change"),
    "delete_model": ("delete",),
    "delete_queryset": ("changelist#delete_selected",),
}


def url_views(patterns, app_names=()):
    """ "app_name:url_name" and view of every URL pattern, through every include (the admin's)."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            names = (*app_names, entry.app_name) if entry.app_name else app_names
            yield from url_views(entry.url_patterns, names)
        else:
            yield ":".join([*app_names, entry.name or ""]), entry.callback


def is_ours(function) -> bool:
    """Written in this project, not in Django or django-otp (decorators looked through)."""
    return not inspect.unwrap(function).__module__.startswith("django")


def project_views() -> set[str]:
    """Every view outside the admin: any of them may write, whatever its method."""
    every = url_views(get_resolver().url_patterns)
    return {name for name, _view in every if not name.startswith("admin:")}


def admin_views_that_write() -> set[str]:
    """In the admin: every view whose code is ours, every action, and Django's views that run
    a hook of ours (saving, deleting)."""
    every = url_views(get_resolver().url_patterns)
    wanted = {name for name, view in every if name.startswith("admin:") and is_ours(view)}
    for model, model_admin in admin.site._registry.items():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        for action in model_admin.actions or ():
            wanted.add(f"{info}_changelist#{getattr(action, '__name__', action)}")
        for hook, views in OUR_CODE_IN_DJANGOS_VIEWS.items():
            if is_ours(getattr(type(model_admin), hook)):
                wanted |= {f"{info}_{view}" for view in views}
    return wanted


def ran_the_whole_module_before(node) -> bool:
    """This check needs every other test here first; a selection of them proves nothing."""
    mine = [item for item in node.session.items if item.path == node.path]
    tests = {name for name in globals() if name.startswith("test_")}
    return {item.originalname for item in mine} == tests and mine[-1] is node


def test_every_view_that_can_write_was_requested_outside_a_test_transaction(request):
    if not ran_the_whole_module_before(request.node):
        pytest.skip("checks what the whole module requested; run the whole file")
    every = {name for name, _view in url_views(get_resolver().url_patterns)}
    assert set(CANNOT_WRITE) <= every, "CANNOT_WRITE names views that exist"
    wanted = (project_views() | admin_views_that_write()) - set(CANNOT_WRITE)
    assert not [name for name in wanted if name.endswith(":")], "a view that writes has a name"
    assert sorted(wanted - REQUESTED) == []
