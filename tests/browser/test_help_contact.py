"""Reaching the helpdesk in a real browser, on a desktop and a phone: the help box's tel:,
mailto: and help-page links, the verification page's "Belt u liever?" and the closed chat's
tips, the favicon and the admin's Dutch multi-select widget."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.journeys import log_in
from verification.opening_hours import AMSTERDAM, DAY_CODES

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}


@pytest.fixture
def reachable(settings):
    settings.HELPDESK_PHONE = "0851234567"
    settings.HELPDESK_EMAIL = "helpdesk@topicus.example"
    settings.HELPDESK_URL = "https://hulp.topicus.example/zorgportaal"


@pytest.fixture(params=list(SIZES))
def sized_page(request, browser, live_server, transactional_db):
    context = browser.new_context(
        base_url=live_server.url, locale="nl-NL", viewport=SIZES[request.param]
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def fits_the_width(page, locator) -> bool:
    box = locator.bounding_box()
    return (
        box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    )


def test_the_help_box_links_phone_mail_and_help_page(sized_page, reachable):
    page = sized_page
    page.goto("/inloggen/")
    help_box = page.get_by_role("region", name="Vragen? We helpen graag!")
    phone = help_box.get_by_role("link", name="085 123 4567")
    mail = help_box.get_by_role("link", name="helpdesk@topicus.example")
    help_page = help_box.get_by_role("link", name="Hulp en veelgestelde vragen")
    for link, target in [
        (phone, "tel:+31851234567"),
        (mail, "mailto:helpdesk@topicus.example"),
        (help_page, "https://hulp.topicus.example/zorgportaal"),
    ]:
        link.scroll_into_view_if_needed()
        expect(link).to_be_visible()
        expect(link).to_have_attribute("href", target)
        assert fits_the_width(page, link)
        assert link.bounding_box()["height"] >= 24  # big enough to tap (WCAG 2.5.8)
    no_sideways_scroll = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(no_sideways_scroll)


def test_the_portal_shows_the_help_box_at_its_foot(sized_page, person, reachable):
    log_in(sized_page, person)
    expect(sized_page).to_have_url(re.compile(r"/portaal/$"))
    phone = sized_page.locator("footer").get_by_role("link", name="085 123 4567")
    phone.scroll_into_view_if_needed()
    expect(phone).to_be_visible()


def test_the_verification_page_offers_the_phone_while_the_chat_is_open(
    sized_page, unverified, reachable, open_helpdesk
):
    log_in(sized_page, unverified)
    tips = sized_page.locator(".tips")
    tips.scroll_into_view_if_needed()
    expect(tips).to_contain_text("Belt u liever? Bel de helpdesk op 085 123 4567")
    expect(tips.get_by_role("link", name="085 123 4567")).to_have_attribute(
        "href", "tel:+31851234567"
    )


@pytest.fixture
def closed_today(settings):
    """Open only tomorrow, so closed now whatever the hour."""
    tomorrow = timezone.now().astimezone(AMSTERDAM) + timedelta(days=1)
    settings.HELPDESK_OPENING_HOURS = f"{DAY_CODES[tomorrow.weekday()]} 08:30-17:00"
    settings.HELPDESK_HOLIDAYS = ""


def test_when_the_chat_is_closed_the_page_says_to_call_instead(
    sized_page, unverified, reachable, closed_today
):
    page = sized_page
    log_in(page, unverified)
    expect(page.locator(".chat-closed")).to_contain_text("De chat is gesloten")
    expect(page.locator(".chat-closed")).to_contain_text(
        "We zijn weer bereikbaar: morgen om 08:30."
    )
    expect(page.locator(".chat-closed").get_by_role("link", name="085 123 4567")).to_be_visible()
    tips = page.locator(".tips")
    expect(tips).to_contain_text("Bel de helpdesk als die weer bereikbaar is op 085 123 4567")
    expect(tips).not_to_contain_text("Geef in de chat uw verificatiecode door")


def test_the_browser_finds_the_icon_and_favicon_ico(page):
    page.goto("/inloggen/")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(icon).ok
    answer = page.request.get("/favicon.ico")
    assert answer.ok and answer.headers["content-type"].startswith("image/svg+xml")


def test_the_admins_multi_select_widget_is_dutch(page, administrator):
    log_in(page, administrator)
    page.goto(f"/admin/accounts/user/{administrator.pk}/change/")
    choose_all = page.locator("#id_user_permissions_add_all")
    expect(choose_all).to_have_text(re.compile(r"^Alle .+ kiezen$"))
    expect(page.locator("#id_user_permissions_remove_all")).to_have_text(
        re.compile(r"^Alle .+ verwijderen$")
    )
    expect(page.get_by_text(re.compile("Choose all|Remove all"))).to_have_count(0)
