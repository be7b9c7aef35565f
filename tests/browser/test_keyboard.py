"""Registration and login with the keyboard only: Tab, Enter and typing, never the mouse;
every element that gets the focus shows it (WCAG 2.1.1, 2.4.3, 2.4.7)."""

import re
import time

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Locator, expect

from accounts.models import User
from tests.browser.conftest import NO_PASSKEY_AUTOFILL, virtual_authenticator
from tests.support import GOOD_PASSWORD
from tokens.testing import code_for, seed_of

pytestmark = pytest.mark.browser

FOCUS_STYLE = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    return {
        tag: element.tagName.toLowerCase(),
        id: element.id,
        text: (element.innerText || element.value || "").trim().slice(0, 40),
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
        inView: (() => {
            const box = element.getBoundingClientRect();
            return box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0;
        })(),
    };
}"""


class Keyboard:
    """A person who uses only the keyboard; remembers every element the focus visited."""

    def __init__(self, page):
        self.page = page
        self.stops = []

    def focused(self):
        return self.page.evaluate(FOCUS_STYLE)

    def tab_to(self, selector: str, *, limit: int = 40):
        """Press Tab (Shift+Tab when it lies behind) until `selector` has the focus; each stop
        must show a visible outline."""
        target = self.page.locator(selector)
        behind = target.evaluate(
            "element => document.activeElement !== document.body && Boolean("
            "element.compareDocumentPosition(document.activeElement) & "
            "Node.DOCUMENT_POSITION_FOLLOWING)"
        )
        key = "Shift+Tab" if behind else "Tab"
        for _ in range(limit):
            if target.evaluate("element => element === document.activeElement"):
                return
            self.page.keyboard.press(key)
            stop = self.focused()
            self.stops.append(stop)
            assert stop["outline"], f"no visible focus on {stop} after {self.stops[-6:-1]}"
            assert stop["inView"], f"focus on an invisible element: {stop}"
        raise AssertionError(f"{selector} not reached with Tab; stops: {self.stops[-limit:]}")

    def type_into(self, selector: str, text: str):
        self.tab_to(selector)
        self.page.keyboard.type(text)

    def enter(self):
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")


def test_registration_and_login_with_the_keyboard_only(page, invite):
    invitation, link = invite("toetsenbord@delinde.example")
    keys = Keyboard(page)
    page.goto(link)
    keys.type_into("#id_password1", GOOD_PASSWORD)
    keys.type_into("#id_password2", "iets anders")
    keys.enter()
    # The mistake is announced: the focus is on the error summary, which links to the field.
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert "De twee wachtwoorden zijn niet gelijk" in page.locator(":focus").inner_text()
    keys.tab_to(".error-summary a")
    page.keyboard.press("Enter")
    assert keys.focused()["id"] == page.locator(".error-summary a").get_attribute("href")[1:]
    for field in ("#id_password1", "#id_password2"):
        page.locator(field).evaluate("element => element.value = ''")  # as if selected
    keys.type_into("#id_password1", GOOD_PASSWORD)
    keys.type_into("#id_password2", GOOD_PASSWORD)
    keys.enter()

    expect(page.get_by_role("heading", level=1)).to_have_text("Authenticatiemiddel kiezen")
    page.keyboard.press("Tab")
    keys.stops.append(keys.focused())
    assert keys.stops[-1]["text"] == "Naar de inhoud"  # the skip link comes first, and shows
    assert keys.stops[-1]["outline"] and keys.stops[-1]["inView"]
    keys.tab_to('main a[href="/registreren/app/"]')
    keys.enter()
    secret = page.locator("code.secret").inner_text()  # what the person reads off the screen
    keys.type_into("#id_code", code_for(seed_of(secret)))
    keys.enter()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account succesvol aangemaakt")
    keys.tab_to('main a[href="/portaal/"]')
    keys.enter()
    expect(page).to_have_url(re.compile("/verificatie/$"))

    User.objects.filter(email=invitation.email).update(identity_verified_at=timezone.now())
    keys.tab_to("header form[action='/uitloggen/'] button")
    keys.enter()
    expect(page.get_by_text("U bent uitgelogd.")).to_be_visible()

    keys.type_into("#id_email", invitation.email)  # the e-mail field has the focus already
    keys.type_into("#id_password", GOOD_PASSWORD)
    keys.enter()
    keys.type_into("#id_code", code_for(seed_of(secret), drift=1))  # the first code is used
    keys.enter()
    expect(page.get_by_role("heading", name="Diensten")).to_be_visible()
    kinds = {stop["tag"] for stop in keys.stops}
    assert {"a", "input", "button", "select"} <= kinds, keys.stops


def test_a_key_that_said_no_is_tried_again_with_the_keyboard_only(page, passkeys):
    """Registration's "Beveiligingssleutel instellen", the login's key step and Mijn account's
    "Bevestig met uw sleutel": when the key says no, its message takes the focus (a screen
    reader reads it out), and Tab leads back to the button, which asks the key again."""
    page.add_init_script(NO_PASSKEY_AUTOFILL)  # the login's password path, then the key step
    key = virtual_authenticator(page)
    keys = Keyboard(page)

    def the_key_says_no_then_yes(then: Locator) -> None:
        key.set_user_verified(False)
        keys.tab_to("form[data-webauthn] button[type='submit']")
        page.keyboard.press("Enter")
        expect(page.locator("#webauthn-cancelled")).to_be_focused()
        key.set_user_verified(True)
        keys.tab_to("form[data-webauthn] button[type='submit']")
        page.keyboard.press("Enter")
        expect(then).to_be_visible()

    invitation, link = passkeys("sleutel.toetsenbord@delinde.example")
    page.goto(link)
    keys.type_into("#id_password1", GOOD_PASSWORD)
    keys.type_into("#id_password2", GOOD_PASSWORD)
    keys.enter()
    keys.tab_to('main a[href="/registreren/sleutel/"]')  # the third choice
    keys.enter()
    the_key_says_no_then_yes(page.get_by_role("heading", name="Account succesvol aangemaakt"))

    User.objects.filter(email=invitation.email).update(identity_verified_at=timezone.now())
    keys.tab_to("header form[action='/uitloggen/'] button")
    keys.enter()
    keys.type_into("#id_email", invitation.email)
    keys.type_into("#id_password", GOOD_PASSWORD)
    keys.enter()
    expect(page).to_have_url(re.compile("/inloggen/sleutel/$"))
    the_key_says_no_then_yes(page.get_by_role("heading", name="Diensten"))

    with time_machine.travel(time.time() + 11 * 60, tick=True):  # the second factor not fresh
        page.goto("/mijn-account/app/")
        expect(page.get_by_role("heading", name="Bevestig met uw sleutel")).to_be_visible()
        the_key_says_no_then_yes(page.locator("code.secret"))  # "App instellen"
