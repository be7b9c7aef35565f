"""WCAG 2.1 AA on every screen of every journey: axe-core finds nothing, nothing scrolls
sideways on a 360 px wide phone, and every page has a title of its own."""

import re
import time
from collections import defaultdict

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.conftest import NO_PASSKEY_AUTOFILL, virtual_authenticator
from tests.browser.journeys import Journeys, submit
from tests.support import GOOD_PASSWORD

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
# axe-core's rules for WCAG 2.0 and 2.1, levels A and AA, and its best practices.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


class Checks:
    """Called on every screen: axe at desktop size, then the width at phone size."""

    def __init__(self):
        self.axe = Axe()
        self.screens = []
        self.violations = {}
        self.too_wide = {}
        self.titles = defaultdict(set)
        self.error_titles = {}

    def __call__(self, page, name):
        self.screens.append(name)
        results = self.axe.run(page, options=AXE_OPTIONS)
        if results.violations_count:
            self.violations[name] = results.generate_report()
        page.set_viewport_size(PHONE)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            self.too_wide[name] = width
        page.set_viewport_size(DESKTOP)
        title = page.title()
        self.titles[title].add(name.split(":")[0])
        if name.endswith(":error"):
            self.error_titles[name] = title

    def assert_passed(self):
        """No screen had a violation or scrolled sideways, no title was on two pages, and
        every page with a mistake said so in its title."""
        assert not self.violations, "\n\n".join(
            f"== {name}\n{report}" for name, report in self.violations.items()
        )
        assert not self.too_wide, f"wider than {PHONE['width']} px: {self.too_wide}"
        shared = {title: pages for title, pages in self.titles.items() if len(pages) > 1}
        assert not shared, f"one title on several pages: {shared}"
        unmarked = {n: t for n, t in self.error_titles.items() if not t.startswith("Fout: ")}
        assert not unmarked, f"a page with a mistake must say so in its title: {unmarked}"


def test_every_screen_passes_axe_fits_a_phone_and_has_its_own_title(
    browser, live_server, transactional_db, open_helpdesk
):
    checks = Checks()
    journeys = Journeys(browser, live_server.url, checks, viewport=DESKTOP)
    try:
        journeys.all()
    finally:
        journeys.close()

    assert len(checks.screens) >= 45, checks.screens
    checks.assert_passed()


def test_the_passkey_screens_pass_axe_fit_a_phone_and_have_their_own_title(page, passkeys):
    """Issue 16's pages, with PASSKEYS_ENABLED: the third choice, "Beveiligingssleutel
    instellen" (registration and Mijn account), the login with "Inloggen met passkey", its key
    step and "Bevestig met uw sleutel"; a key step also after the key said no (the browser's
    message) and after we refused its answer (the page's error), from where the next try asks
    the key again."""
    checks = Checks()
    page.set_viewport_size(DESKTOP)
    page.add_init_script(NO_PASSKEY_AUTOFILL)  # the login's password path, then the key step
    key = virtual_authenticator(page)

    def the_key_says_no(name: str) -> None:
        key.set_user_verified(False)
        page.locator("form[data-webauthn] button[type=submit]").click()
        expect(page.locator("#webauthn-cancelled")).to_be_visible()
        checks(page, f"{name}:cancelled")
        key.set_user_verified(True)

    def we_refuse_the_answer(name: str) -> None:
        page.locator("input[name=credential]").evaluate("field => field.value = '{}'")
        with page.expect_navigation():
            page.locator("form[data-webauthn] button[type=submit]").click()
        expect(page.locator(".error-summary")).to_be_visible()
        checks(page, f"{name}:error")

    invitation, link = passkeys("sleutel.toegankelijk@delinde.example")
    page.goto(link)
    page.locator("#id_password1").fill(GOOD_PASSWORD)
    page.locator("#id_password2").fill(GOOD_PASSWORD)
    submit(page, "#id_password2")
    expect(page.locator('main a[href="/registreren/sleutel/"]')).to_be_visible()
    checks(page, "choose-factor")
    page.locator('main a[href="/registreren/sleutel/"]').click()
    checks(page, "passkey-setup")
    the_key_says_no("passkey-setup")
    we_refuse_the_answer("passkey-setup")
    with page.expect_navigation():
        page.locator("form[data-webauthn] button[type=submit]").click()
    expect(page.locator('main a[href="/portaal/"]')).to_be_visible()  # registration done

    User.objects.filter(email=invitation.email).update(identity_verified_at=timezone.now())
    page.context.clear_cookies()
    page.goto("/inloggen/")
    expect(page.locator("form[data-webauthn]")).to_be_visible()  # "Inloggen met passkey"
    checks(page, "login:passkeys")
    page.locator("#id_email").fill(invitation.email)
    page.locator("#id_password").fill(GOOD_PASSWORD)
    submit(page, "#id_password")
    checks(page, "login-key")
    the_key_says_no("login-key")
    we_refuse_the_answer("login-key")
    page.locator("form[data-webauthn] button[type=submit]").click()
    expect(page).to_have_url(re.compile("/portaal/$"))

    page.goto("/mijn-account/")
    checks(page, "myaccount:with-key")
    page.locator('main a[href="/mijn-account/sleutel/"]').click()
    expect(page.locator("form[data-webauthn='create']")).to_be_visible()
    checks(page, "passkey-setup:myaccount")
    with time_machine.travel(time.time() + 11 * 60, tick=True):  # the second factor not fresh
        page.goto("/mijn-account/sleutel/")
        expect(page.locator("form[data-webauthn='get']")).to_be_visible()  # the step-up
        expect(page.locator("#id_code")).to_have_count(0)  # a key-only person types no code
        checks(page, "confirm-key")
        the_key_says_no("confirm-key")

    assert len(checks.screens) == 12, checks.screens
    checks.assert_passed()


def test_on_a_phone_the_app_step_leads_with_open_in_authenticator_app(page, invite):
    """A phone cannot scan a QR code on its own screen: there the otpauth link comes first."""
    _, link = invite("telefoon@delinde.example")
    page.goto(link)
    page.locator("#id_password1").fill(GOOD_PASSWORD)
    page.locator("#id_password2").fill(GOOD_PASSWORD)
    submit(page, "#id_password2")
    page.set_viewport_size(PHONE)
    page.goto("/registreren/app/")
    button = page.locator(".open-in-app-button a")
    expect(button).to_be_visible()
    assert button.get_attribute("href").startswith("otpauth://totp/ZorgPortaal")
    box, qr = button.bounding_box(), page.locator(".qr svg").bounding_box()
    assert box["y"] < qr["y"]  # above the QR code
    assert box["width"] > PHONE["width"] * 0.75 and box["height"] >= 44  # wide, easy to hit

    page.set_viewport_size(DESKTOP)
    expect(button).to_be_hidden()  # on a computer one scans the QR code with the phone


def test_the_language_switch_works_with_the_keyboard_and_is_remembered(page):
    page.goto("/")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "language-select":
            break
    page.keyboard.press("ArrowDown")  # Nederlands → English
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title("Start page – ZorgPortaal")

    page.goto("/inloggen/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to ZorgPortaal")
    later = page.context.new_page()  # another visit in the same browser
    later.goto("/geen-account/")
    expect(later.get_by_role("heading", level=1)).to_have_text("No account?")
    expect(later.get_by_label("Language")).to_have_value("en")
