"""Notificaties and Documentatie in a real browser (issue 15, 6): the count of new items in the
top bar and its accessible name, the list on a desktop and on a phone, the help on Documentatie."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.journeys import log_in
from zorgportaal import audit

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def away_and_back(person, settings):
    """Anna's last login was yesterday; since then her password changed and her app locked."""
    settings.HELPDESK_PHONE = "0851234567"
    User.objects.filter(pk=person.pk).update(last_login=timezone.now() - timedelta(days=1))
    audit.record("password.changed", subject=person)
    audit.record("device.locked", subject=person, kind="appdevice")
    return person


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_new_security_events_are_counted_in_the_top_bar_and_listed(page, away_and_back, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    log_in(page, away_and_back)
    expect(page).to_have_url(re.compile("/portaal/$"))

    link = page.get_by_role("link", name="Notificaties (2) nieuw", exact=True)
    expect(link).to_be_visible()
    link.click()

    expect(page).to_have_title("Notificaties – ZorgPortaal")
    rows = page.locator("table.notifications tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Ingelogd")
    expect(rows.nth(1)).to_contain_text("Authenticator-app geblokkeerd na te veel onjuiste codes")
    expect(rows.nth(1).locator(".tag-new")).to_have_text("nieuw")
    expect(rows.nth(2)).to_contain_text("Wachtwoord gewijzigd")
    expect(rows.nth(2)).to_contain_text(re.compile(r"\d\d-\d\d-\d{4} \d\d:\d\d"))
    expect(page.get_by_role("heading", name="Was u dit niet? Neem contact op")).to_be_visible()
    expect(page.locator('main a[href="tel:+31851234567"]')).to_be_visible()
    expect(page.get_by_role("link", name="Wachtwoord wijzigen")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], "Notificaties scrolls sideways"

    page.get_by_role("link", name="Diensten").click()
    expect(page.get_by_role("link", name="Notificaties", exact=True)).to_be_visible()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_documentation_helps_with_apps_tokens_a_lost_phone_and_the_helpdesk(
    page, person, settings, viewport
):
    settings.HELPDESK_OPENING_HOURS = "mon-fri 08:30-17:00"
    if viewport:
        page.set_viewport_size(viewport)
    log_in(page, person)
    page.get_by_role("link", name="Documentatie").click()

    expect(page).to_have_title("Documentatie – ZorgPortaal")
    page.get_by_text("Computer (Windows, macOS of Linux)").click()
    expect(page.get_by_role("link", name="KeePassXC")).to_be_visible()
    page.get_by_text("iPhone of iPad").click()
    expect(page.get_by_role("link", name="Microsoft Authenticator")).to_be_visible()
    expect(page.get_by_text("net boven de streepjescode")).to_be_visible()

    page.get_by_role("link", name="De helpdesk bereiken").click()
    expect(page).to_have_url(re.compile("#helpdesk$"))
    expect(
        page.get_by_text("We zijn bereikbaar op werkdagen tussen 08:30 en 17:00.")
    ).to_be_in_viewport()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], "Documentatie scrolls sideways"
