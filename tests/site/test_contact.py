"""Reaching a human (issue 15): the help box on every page, the verification page and the
closed chat say how to reach the helpdesk, from HELPDESK_PHONE, HELPDESK_EMAIL and HELPDESK_URL.
"""

from datetime import datetime

import pytest
import time_machine

from tests.support import GOOD_PASSWORD, log_in, text
from verification.opening_hours import AMSTERDAM

pytestmark = pytest.mark.django_db

# Saturday 10 January 2026, noon in Amsterdam: closed with the default hours.
SATURDAY_NOON = datetime(2026, 1, 10, 12, 0, tzinfo=AMSTERDAM)
TUESDAY_TEN = datetime(2026, 1, 13, 10, 0, tzinfo=AMSTERDAM)


@pytest.fixture
def reachable(settings):
    settings.HELPDESK_PHONE = "0851234567"
    settings.HELPDESK_EMAIL = "helpdesk@topicus.example"
    settings.HELPDESK_URL = "https://hulp.topicus.example/zorgportaal"


PHONE_LINK = '<a href="tel:+31851234567" class="contact-phone">085 123 4567</a>'


def test_without_settings_the_help_box_sends_people_to_their_own_organisation(client):
    page = text(client.get("/inloggen/"))
    assert "Vragen? We helpen graag!" in page
    assert "Neem contact op met de servicedesk van uw eigen organisatie." in page
    assert "tel:" not in page and "mailto:" not in page


@pytest.mark.parametrize("url", ["/inloggen/", "/"])
def test_the_help_box_links_the_phone_the_address_and_the_help_page(client, reachable, url):
    page = client.get(url).content.decode()
    assert "Neem contact op met de helpdesk:" in page
    assert PHONE_LINK in page
    assert (
        '<a href="mailto:helpdesk@topicus.example" class="contact-email">'
        "helpdesk@topicus.example</a>" in page
    )
    assert (
        '<a href="https://hulp.topicus.example/zorgportaal" class="contact-url">'
        "Hulp en veelgestelde vragen</a>" in page
    )
    assert "servicedesk van uw eigen organisatie" not in page


def test_the_help_box_shows_only_what_is_set(client, settings):
    settings.HELPDESK_EMAIL = "helpdesk@topicus.example"
    page = client.get("/wachtwoord-vergeten/").content.decode()
    assert "mailto:helpdesk@topicus.example" in page
    assert "tel:" not in page and "contact-url" not in page


def test_the_help_box_is_on_the_pages_of_a_logged_in_person(client, person, reachable):
    log_in(client, person)
    for url in ("/portaal/", "/mijn-account/"):
        assert PHONE_LINK in client.get(url).content.decode(), url


def test_the_helpdesk_address_is_escaped_in_the_page(client, settings):
    settings.HELPDESK_URL = 'https://hulp.example/?a=1&b="2"'
    page = client.get("/inloggen/").content.decode()
    assert 'href="https://hulp.example/?a=1&amp;b=&quot;2&quot;"' in page


# The verification page


@time_machine.travel(TUESDAY_TEN, tick=False)
def test_the_verification_page_gives_the_number_to_call_instead_of_chatting(
    client, unverified, reachable
):
    log_in(client, unverified)
    page = client.get("/verificatie/").content.decode()
    assert "Klik hier om de chat te starten" in page
    assert "Geef in de chat uw verificatiecode door." in page
    assert (
        f"Belt u liever? Bel de helpdesk op {PHONE_LINK} en noem uw e-mailadres en deze "
        "verificatiecode." in page
    )


@time_machine.travel(TUESDAY_TEN, tick=False)
def test_without_a_phone_number_the_verification_page_does_not_offer_a_call(client, unverified):
    log_in(client, unverified)
    page = text(client.get("/verificatie/"))
    assert "Belt u liever?" not in page
    assert "Geef in de chat uw verificatiecode door." in page


@time_machine.travel(SATURDAY_NOON, tick=False)
def test_when_the_chat_is_closed_the_tips_say_to_call_when_the_helpdesk_is_back(
    client, unverified, reachable
):
    log_in(client, unverified)
    page = client.get("/verificatie/").content.decode()
    assert "De chat is gesloten" in page
    assert "We zijn weer bereikbaar: maandag 08:30." in page
    assert "Geef in de chat uw verificatiecode door" not in page
    assert (
        'Bel de helpdesk als die weer bereikbaar is op <a href="tel:+31851234567">085 123 4567'
        "</a> en noem uw e-mailadres en deze verificatiecode." in page
    )
    assert "De medewerker vraagt nooit naar uw wachtwoord" in page


@time_machine.travel(SATURDAY_NOON, tick=False)
def test_when_the_chat_is_closed_without_a_phone_the_tips_say_to_come_back(client, unverified):
    log_in(client, unverified)
    page = text(client.get("/verificatie/"))
    assert "Geef in de chat uw verificatiecode door" not in page
    assert (
        "Start de chat als de helpdesk weer bereikbaar is en geef dan deze verificatiecode door."
        in page
    )
    assert "tel:" not in page


@time_machine.travel(SATURDAY_NOON, tick=False)
def test_a_refused_chat_start_still_says_whom_to_call(client, unverified, reachable):
    log_in(client, unverified)
    response = client.post("/verificatie/chat/starten/")
    assert response.status_code == 409
    page = response.content.decode()
    assert "Buiten onze openingstijden kunt u geen chat starten." in page
    assert PHONE_LINK in page


def test_the_lost_factor_page_says_how_to_reach_the_helpdesk(client, person, reachable):
    client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    page = client.get("/verificatie/authenticatiemiddel-kwijt/").content.decode()
    assert "Noem aan de helpdesk uw e-mailadres en deze verificatiecode." in page
    assert page.count(PHONE_LINK) == 2  # beside the code, and in the help box


def test_the_lost_factor_page_without_settings_names_the_own_organisation(client, person):
    client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    page = text(client.get("/verificatie/authenticatiemiddel-kwijt/"))
    assert "Neem contact op met de servicedesk van uw eigen organisatie." in page
