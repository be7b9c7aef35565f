"""Documentatie (issue 15, 6): real help, from the same texts and partials as the pages that
give it, with the helpdesk's opening hours and contact."""

import re

import pytest

from tests.support import log_in, text
from zorgportaal import helpdesk_hours

pytestmark = pytest.mark.django_db

PAGE = "/portaal/documentatie/"


def section(page: str, heading_id: str) -> str:
    """One <section> of the page, by the id of its heading."""
    return re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', page, re.S)[1]


def details(page: str) -> list[str]:
    """The <details> blocks (the apps per type of device), whitespace normalised."""
    return [" ".join(block.split()) for block in re.findall(r"<details.*?</details>", page, re.S)]


@pytest.fixture
def page(client, person):
    log_in(client, person)
    return text(client.get(PAGE))


def test_it_explains_installing_an_app_per_type_of_device(page):
    app = section(page, "app")
    for device in ["iPhone of iPad", "Android", "Computer (Windows, macOS of Linux)"]:
        assert f"<summary>{device}</summary>" in app
    assert "https://apps.apple.com/app/microsoft-authenticator/id983156458" in app
    assert "https://play.google.com/store/apps/details?id=com.azure.authenticator" in app
    assert 'href="/mijn-account/"' in app


def test_the_apps_are_the_ones_app_instellen_shows(client, page):
    app_page = text(client.get("/mijn-account/app/"))
    assert len(details(page)) == 4
    assert details(page) == details(app_page)


def test_the_serial_number_is_explained_as_on_token_instellen(client, page):
    tip = "Het <strong>serienummer</strong> vindt u op de <strong>achterkant</strong> van het token"
    assert tip in section(page, "token")
    assert tip in text(client.get("/mijn-account/token/"))


def test_it_says_what_to_do_when_a_phone_is_lost_and_how_verification_works(page):
    lost = section(page, "kwijt")
    assert "Log daarmee in en verwijder onder Opties de telefoon" in lost
    assert "Neem dan contact op met de helpdesk" in lost
    verification = section(page, "verificatie")
    assert "verificatiecode van 4 cijfers" in verification
    assert "De medewerker vraagt nooit naar uw wachtwoord" in verification


def test_the_opening_hours_are_the_configured_ones(client, person, settings):
    settings.HELPDESK_OPENING_HOURS = "mon-fri 09:00-12:00, sat 10:00-12:00"
    settings.HELPDESK_HOLIDAYS = ""
    log_in(client, person)
    helpdesk = section(text(client.get(PAGE)), "helpdesk")
    assert (
        "We zijn bereikbaar op werkdagen tussen 09:00 en 12:00 en op zaterdag tussen 10:00 "
        "en 12:00."
    ) in helpdesk


def test_the_helpdesk_contact_is_shown_with_links(client, person, settings):
    settings.HELPDESK_PHONE = "0851234567"
    settings.HELPDESK_EMAIL = "helpdesk@zorgportaal.example"
    log_in(client, person)
    helpdesk = section(text(client.get(PAGE)), "helpdesk")
    assert 'href="tel:+31851234567"' in helpdesk
    assert 'href="mailto:helpdesk@zorgportaal.example"' in helpdesk


def test_without_an_app_that_knows_the_hours_the_sentence_is_left_out(client, person, monkeypatch):
    monkeypatch.setattr(helpdesk_hours, "DESCRIBERS", {})
    assert helpdesk_hours.describe() == ""
    log_in(client, person)
    page = text(client.get(PAGE))
    assert "We zijn bereikbaar" not in page
    assert "De helpdesk bereiken" in page


def test_the_page_needs_a_login(client):
    assert client.get(PAGE).url.startswith("/inloggen/")
