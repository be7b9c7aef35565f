"""WCAG 2.1 AA on every screen of every journey: axe-core finds nothing, nothing scrolls
sideways on a 360 px wide phone, and every page has a title of its own."""

from collections import defaultdict

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

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
    assert not checks.violations, "\n\n".join(
        f"== {name}\n{report}" for name, report in checks.violations.items()
    )
    assert not checks.too_wide, f"wider than {PHONE['width']} px: {checks.too_wide}"
    shared = {title: pages for title, pages in checks.titles.items() if len(pages) > 1}
    assert not shared, f"one title on several pages: {shared}"
    unmarked = {n: t for n, t in checks.error_titles.items() if not t.startswith("Fout: ")}
    assert not unmarked, f"a page with a mistake must say so in its title: {unmarked}"


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
