"""Mijn account with passkeys and security keys (issue 16, point 3): add one behind the fresh
second factor, rename and remove it through the generic pages (never the last factor), and the
step-up itself with a key, so a person whose only factor is a key can still manage factors.

The authenticator is the software one of tests/support.py (real signatures checked)."""

import time

import pytest
import time_machine
from django.utils import timezone
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import User
from tests.support import GOOD_PASSWORD, SoftKey, log_in, options_of, text, with_app
from tokens.models import AppDevice
from tokens.testing import device_code
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

ADD_URL = "/mijn-account/sleutel/"
CONFIRM_URL = "/mijn-account/bevestigen/"
LATER = 11 * 60  # past the fresh second factor's ten minutes


@pytest.fixture
def enabled(settings):
    settings.PASSKEYS_ENABLED = True


def add_key(client, key: SoftKey, name="YubiKey blauw"):
    options = options_of(client.get(ADD_URL))
    return client.post(ADD_URL, {"name": name, "credential": key.register(options)})


def log_in_with_key(client, user, key: SoftKey):
    client.post("/inloggen/", {"email": user.email, "password": GOOD_PASSWORD})
    options = options_of(client.get("/inloggen/sleutel/"))
    return client.post("/inloggen/sleutel/", {"credential": key.assert_(options)})


@pytest.fixture
def with_key(enabled, client, person):
    """Anna logged in with her app, a key added in Mijn account: (client, key, credential)."""
    log_in(client, person)
    key = SoftKey()
    assert add_key(client, key)["Location"] == "/mijn-account/"
    return client, key, WebAuthnCredential.objects.get(user=person)


@pytest.fixture
def key_only(with_key, person):
    """Anna's app removed: the key is her only factor; logged in again with it."""
    client, key, credential = with_key
    AppDevice.objects.filter(user=person).delete()
    client.post("/uitloggen/")
    assert log_in_with_key(client, person, key)["Location"] == "/portaal/"
    return client, key, credential


# Adding


def test_mijn_account_offers_a_key_beside_the_app_and_the_token(enabled, client, person):
    log_in(client, person)
    page = text(client.get("/mijn-account/"))
    assert "App toevoegen" in page and "Token koppelen" in page
    assert "Sleutel of passkey toevoegen" in page
    assert f'href="{ADD_URL}"' in page


def test_adding_a_key_goes_back_to_mijn_account_with_a_message(enabled, client, person):
    log_in(client, person)
    page = client.get(ADD_URL)
    assert "Beveiligingssleutel instellen" in text(page)
    assert "Terug naar Mijn account" in text(page)
    assert "Stap 3 van 4" not in text(page)
    response = add_key(client, SoftKey(), name="YubiKey blauw")
    assert response["Location"] == "/mijn-account/"
    overview = text(client.get("/mijn-account/"))
    assert "Uw beveiligingssleutel of passkey “YubiKey blauw” is toegevoegd." in overview
    assert "Beveiligingssleutel of passkey" in overview  # its kind, in Dutch
    assert "WebAuthn credential" not in overview
    credential = WebAuthnCredential.objects.get(user=person)
    assert credential.confirmed and credential.name == "YubiKey blauw"
    event = AuditEvent.objects.get(event="webauthn.registered")
    assert event.subject_id == person.pk
    assert event.details["device"] == credential.persistent_id
    notices = text(client.get("/portaal/notificaties/"))
    assert "Beveiligingssleutel of passkey toegevoegd" in notices


def test_a_refused_key_is_not_added(enabled, client, person):
    log_in(client, person)
    options = options_of(client.get(ADD_URL))
    answer = SoftKey().register(options, origin="https://portaal.example.nl.evil.example")
    response = client.post(ADD_URL, {"name": "Nep", "credential": answer})
    assert response.status_code == 200
    assert "niet geaccepteerd" in text(response)
    assert not WebAuthnCredential.objects.exists()
    assert AuditEvent.objects.filter(event="webauthn.failed").exists()


def test_adding_a_key_later_asks_for_a_current_code_first(enabled, client, person):
    log_in(client, person)
    with time_machine.travel(time.time() + LATER):
        client.get("/portaal/")
        response = client.get(ADD_URL)
        assert response["Location"] == f"{CONFIRM_URL}?next=%2Fmijn-account%2Fsleutel%2F"
        page = text(client.get(response["Location"]))
        assert "Bevestig met uw code" in page
        assert "data-webauthn" not in page  # no key yet: the code only
        AppDevice.objects.filter(pk=person.app.pk).update(last_t=-1)
        person.app.refresh_from_db()
        confirm = client.post(
            CONFIRM_URL,
            {"device": person.app.persistent_id, "code": device_code(person.app), "next": ADD_URL},
        )
        assert confirm["Location"] == ADD_URL
        assert add_key(client, SoftKey())["Location"] == "/mijn-account/"


def test_a_key_is_not_added_without_the_fresh_factor(enabled, client, person):
    log_in(client, person)
    with time_machine.travel(time.time() + LATER):
        client.get("/portaal/")
        response = client.post(ADD_URL, {"name": "X", "credential": "{}"})
        assert response["Location"].startswith(CONFIRM_URL)
    assert not WebAuthnCredential.objects.exists()


# Renaming and removing, through the generic pages


def test_a_key_is_renamed_through_the_generic_page(with_key, person):
    client, _, credential = with_key
    url = f"/mijn-account/naam/{credential.persistent_id}/"
    assert f'href="{url}"' in text(client.get("/mijn-account/"))
    assert "YubiKey blauw" in text(client.get(url))
    response = client.post(url, {"name": "Sleutel op kantoor"})
    assert response["Location"] == "/mijn-account/"
    credential.refresh_from_db()
    assert credential.name == "Sleutel op kantoor"
    event = AuditEvent.objects.get(event="device.renamed")
    assert event.details["old_name"] == "YubiKey blauw"
    assert event.details["kind"] == "webauthncredential"


def test_a_key_cannot_take_the_name_of_the_app(with_key, person):
    client, _, credential = with_key
    response = client.post(
        f"/mijn-account/naam/{credential.persistent_id}/", {"name": person.app.name}
    )
    assert "U heeft al een authenticatiemiddel met deze naam" in text(response)
    credential.refresh_from_db()
    assert credential.name == "YubiKey blauw"


def test_someone_elses_key_is_not_found(with_key, client, organisation):
    _, _, credential = with_key
    bram = User.objects.create_user(
        "bram@delinde.example",
        GOOD_PASSWORD,
        organisation=organisation,
        identity_verified_at=timezone.now(),
    )
    other = with_app(bram)
    client.post("/uitloggen/")
    log_in(client, other)
    assert client.get(f"/mijn-account/naam/{credential.persistent_id}/").status_code == 404
    assert client.get(f"/mijn-account/verwijderen/{credential.persistent_id}/").status_code == 404


def test_a_key_is_removed_through_the_generic_page(with_key, person):
    client, _, credential = with_key
    url = f"/mijn-account/verwijderen/{credential.persistent_id}/"
    page = text(client.get(url))
    assert "YubiKey blauw" in page and "Beveiligingssleutel of passkey" in page
    assert "U blijft ingelogd" in page
    response = client.post(url)
    assert response["Location"] == "/mijn-account/"
    assert "Het authenticatiemiddel is verwijderd." in text(client.get("/mijn-account/"))
    assert not WebAuthnCredential.objects.exists()
    event = AuditEvent.objects.get(event="device.removed")
    assert event.details["kind"] == "webauthncredential"
    assert "Beveiligingssleutel of passkey verwijderd" in text(client.get("/portaal/notificaties/"))


def test_the_last_factor_being_a_key_stays(key_only, person):
    client, _, credential = key_only
    url = f"/mijn-account/verwijderen/{credential.persistent_id}/"
    overview = text(client.get("/mijn-account/"))
    assert "Verwijder YubiKey blauw" not in overview
    with time_machine.travel(time.time() + 1):
        page = text(client.get(url))
        assert "Dit is uw enige authenticatiemiddel." in page
        assert "Sleutel of passkey toevoegen" in page
        response = client.post(url)
    assert response["Location"] == "/mijn-account/"
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()
    assert not AuditEvent.objects.filter(event="device.removed").exists()


def test_removing_the_app_this_login_used_leaves_the_key_to_log_in_with(with_key, person):
    client, key, _ = with_key
    url = f"/mijn-account/verwijderen/{person.app.persistent_id}/"
    page = text(client.get(url))
    assert "U logt daarna opnieuw in met uw beveiligingssleutel of passkey" in page
    assert "vul de code in" not in page
    response = client.post(url)
    assert response["Location"] == "/inloggen/sleutel/"
    key_page = text(client.get("/inloggen/sleutel/"))
    assert "U logt nu opnieuw in met uw beveiligingssleutel of passkey." in key_page
    options = options_of(client.get("/inloggen/sleutel/"))
    back = client.post("/inloggen/sleutel/", {"credential": key.assert_(options)})
    assert back["Location"] == "/mijn-account/"


# The step-up with a key


def test_a_key_only_person_steps_up_with_the_key(key_only, person):
    client, key, _ = key_only
    with time_machine.travel(time.time() + LATER):
        client.get("/portaal/")
        response = client.get("/mijn-account/app/")
        assert response["Location"] == f"{CONFIRM_URL}?next=%2Fmijn-account%2Fapp%2F"
        page = client.get(response["Location"])
        assert "Bevestig met uw sleutel" in text(page)
        assert 'name="code"' not in text(page)  # she has no code to give
        answer = key.assert_(options_of(page))
        confirm = client.post(CONFIRM_URL, {"credential": answer, "next": "/mijn-account/app/"})
        assert confirm["Location"] == "/mijn-account/app/"
        assert client.get("/mijn-account/app/").status_code == 200
    event = AuditEvent.objects.filter(event="stepup.succeeded").latest("pk")
    assert event.details["factor"] == "webauthn"
    assert AuditEvent.objects.filter(event="webauthn.used").count() == 2  # login and step-up


def test_a_person_with_both_may_step_up_with_either(with_key, person):
    client, key, _ = with_key
    with time_machine.travel(time.time() + LATER):
        client.get("/portaal/")
        page = client.get(CONFIRM_URL)
        assert "Bevestig met sleutel" in text(page)
        assert "Of bevestig met een code" in text(page)
        assert 'name="code"' in text(page)
        AppDevice.objects.filter(pk=person.app.pk).update(last_t=-1)
        person.app.refresh_from_db()
        confirm = client.post(
            CONFIRM_URL, {"device": person.app.persistent_id, "code": device_code(person.app)}
        )
        assert confirm["Location"] == "/mijn-account/"
    with time_machine.travel(time.time() + 2 * LATER):
        client.get("/portaal/")
        answer = key.assert_(options_of(client.get(CONFIRM_URL)))
        assert client.post(CONFIRM_URL, {"credential": answer})["Location"] == "/mijn-account/"


def test_a_key_the_account_does_not_know_does_not_step_up(key_only, person):
    client, _, _ = key_only
    with time_machine.travel(time.time() + LATER):
        client.get("/portaal/")
        answer = SoftKey().assert_(options_of(client.get(CONFIRM_URL)))
        response = client.post(CONFIRM_URL, {"credential": answer, "next": "/mijn-account/app/"})
        assert response.status_code == 200
        assert "niet geaccepteerd" in text(response)
        assert client.get("/mijn-account/app/")["Location"].startswith(CONFIRM_URL)
    failed = AuditEvent.objects.filter(event="webauthn.failed").latest("pk")
    assert failed.details["ceremony"] == "authentication"


def test_a_step_up_answer_counts_once(key_only, person):
    client, key, _ = key_only
    with time_machine.travel(time.time() + LATER):
        client.get("/portaal/")
        answer = key.assert_(options_of(client.get(CONFIRM_URL)))
        assert client.post(CONFIRM_URL, {"credential": answer}).status_code == 302
    with time_machine.travel(time.time() + 2 * LATER):
        client.get("/portaal/")
        replayed = client.post(CONFIRM_URL, {"credential": answer})
        assert replayed.status_code == 200
        assert "Dat duurde te lang" in text(replayed)
        assert client.get("/mijn-account/app/")["Location"].startswith(CONFIRM_URL)


def test_no_answer_from_the_browser_is_said(key_only):
    client, _, _ = key_only
    with time_machine.travel(time.time() + LATER):
        client.get("/portaal/")
        client.get(CONFIRM_URL)
        response = client.post(CONFIRM_URL, {"credential": ""})
        assert "Uw browser heeft geen antwoord van een sleutel doorgegeven" in text(response)


# Switched off


def test_switched_off_mijn_account_shows_nothing_of_keys(client, person, settings):
    settings.PASSKEYS_ENABLED = False
    log_in(client, person)
    assert "Sleutel of passkey" not in text(client.get("/mijn-account/"))
    assert client.get(ADD_URL).status_code == 404
    with time_machine.travel(time.time() + LATER):
        client.get("/portaal/")
        assert "data-webauthn" not in text(client.get(CONFIRM_URL))


def test_switched_off_a_key_is_no_way_to_step_up(with_key, person, settings):
    client, _, _ = with_key
    settings.PASSKEYS_ENABLED = False
    with time_machine.travel(time.time() + LATER):
        client.get("/portaal/")
        page = text(client.get(CONFIRM_URL))
        assert "data-webauthn" not in page and 'name="code"' in page
        response = client.post(CONFIRM_URL, {"credential": "{}", "next": "/mijn-account/app/"})
        assert response.status_code == 200
        assert client.get("/mijn-account/app/")["Location"].startswith(CONFIRM_URL)


def test_an_organisation_without_passkeys_offers_no_key_to_add(enabled, client, person):
    organisation = person.organisation
    organisation.passkeys_allowed = False
    organisation.save()
    log_in(client, person)
    assert "Sleutel of passkey toevoegen" not in text(client.get("/mijn-account/"))
    assert client.get(ADD_URL).status_code == 404
