"""Passkeys and security keys in Mijn account, in Chromium with a virtual authenticator
(issue 16, point 3): add one and remove it (desktop and phone), and a person whose only factor
is a key passes the fresh-second-factor step-up with it. axe finds nothing, no CSP violation."""

import re
import time

import pytest
import time_machine
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from tests.browser.conftest import virtual_authenticator
from tests.browser.journeys import log_in
from tests.browser.test_passkeys import accessible, watched
from tests.browser.test_security_csp import violations
from tokens.models import AppDevice
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.browser


def add_key(page, name="YubiKey blauw") -> None:
    page.goto("/mijn-account/")
    page.get_by_role("link", name="Sleutel of passkey toevoegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beveiligingssleutel instellen")
    accessible(page)
    page.get_by_label("Naam van uw sleutel").fill(name)
    page.get_by_role("button", name="Sleutel registreren").click()
    expect(page).to_have_url(re.compile(r"/mijn-account/$"))
    expect(
        page.get_by_text(f"Uw beveiligingssleutel of passkey “{name}” is toegevoegd.")
    ).to_be_visible()


@pytest.mark.parametrize(
    ("transport", "viewport"),
    [("usb", {"width": 1280, "height": 900}), ("internal", {"width": 390, "height": 844})],
    ids=["security key on a desktop", "passkey on a phone"],
)
def test_add_and_remove_a_key_in_mijn_account(page, person, passkeys, transport, viewport):
    page = watched(page)
    page.set_viewport_size(viewport)
    key_in_browser = virtual_authenticator(page, transport=transport)
    log_in(page, person)
    add_key(page)
    credential = WebAuthnCredential.objects.get(user=person)
    assert credential.confirmed
    assert len(key_in_browser.credentials()) == 1
    expect(page.get_by_role("cell", name="Beveiligingssleutel of passkey")).to_be_visible()
    accessible(page)

    page.get_by_role("link", name="Verwijder YubiKey blauw").click()
    expect(page.get_by_role("heading", name="Authenticatiemiddel verwijderen")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Ja, verwijderen").click()
    expect(page.get_by_text("Het authenticatiemiddel is verwijderd.")).to_be_visible()
    expect(page.get_by_text("YubiKey blauw")).to_have_count(0)
    assert not WebAuthnCredential.objects.filter(user=person).exists()
    assert AuditEvent.objects.filter(event="device.removed").count() == 1
    assert violations(page) == []


def test_a_key_only_person_steps_up_with_the_key(page, person, passkeys):
    page = watched(page)
    virtual_authenticator(page)
    log_in(page, person)
    add_key(page)
    # The app this login used goes: log in again with the key, and back in Mijn account.
    page.get_by_role("link", name=f"Verwijder {person.app.name}").click()
    page.get_by_role("button", name="Ja, verwijderen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen met uw beveiligingssleutel")
    page.get_by_role("button", name="Inloggen met sleutel").click()
    expect(page).to_have_url(re.compile(r"/mijn-account/$"))
    assert not AppDevice.objects.filter(user=person).exists()

    with time_machine.travel(time.time() + 11 * 60, tick=True):
        page.goto("/mijn-account/app/")
        expect(page.get_by_role("heading", name="Bevestig met uw sleutel")).to_be_visible()
        expect(page.locator("#id_code")).to_have_count(0)
        accessible(page)
        page.get_by_role("button", name="Bevestig met sleutel").click()
        expect(page).to_have_url(re.compile(r"/mijn-account/app/$"))
    step_up = AuditEvent.objects.filter(event="stepup.succeeded").latest("pk")
    assert step_up.details["factor"] == "webauthn"
    assert violations(page) == []


def test_add_and_remove_a_key_with_the_keyboard_only(page, person, passkeys):
    from tests.browser.test_keyboard import Keyboard

    keyboard = Keyboard(page)
    virtual_authenticator(page)
    log_in(page, person)
    page.goto("/mijn-account/")
    keyboard.tab_to("a[href='/mijn-account/sleutel/']")
    page.keyboard.press("Enter")
    keyboard.tab_to("#id_name")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Sleutel op de sleutelbos")
    keyboard.tab_to("form[data-webauthn] button[type='submit']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/mijn-account/$"))
    credential = WebAuthnCredential.objects.get(user=person)
    assert credential.name == "Sleutel op de sleutelbos"
    keyboard.tab_to(f"a[href='/mijn-account/verwijderen/{credential.persistent_id}/']")
    page.keyboard.press("Enter")
    keyboard.tab_to("form.links button[type='submit']")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Het authenticatiemiddel is verwijderd.")).to_be_visible()
    assert not WebAuthnCredential.objects.filter(user=person).exists()
