"""The privacy page (issue 17): open to everyone, written from the register, with the contact
for privacy questions from the settings, linked from every page and from the invitation mail."""

import pytest
from django.test import override_settings

from privacy.register import REGISTER
from tests.support import text

pytestmark = pytest.mark.django_db

URL = "/privacy/"


def test_anyone_can_read_it_without_logging_in(client):
    page = client.get(URL)
    assert page.status_code == 200
    assert "<h1>Privacy</h1>" in text(page)


def test_it_shows_every_entry_of_the_register(client):
    page = text(client.get(URL))
    for entry in REGISTER:
        assert str(entry.what).replace("'", "&#x27;") in page, entry.what
    assert "Wettelijke verplichting" in page
    assert "NEN 7513" in page


@override_settings(INVITATION_RETENTION_DAYS=45, LOGIN_RETENTION_DAYS=60)
def test_the_periods_are_the_settings(client):
    page = text(client.get(URL))
    assert "niet gebruikt: 45 dagen na afloop" in page
    assert "60 dagen na het einde van de sessie" in page


@override_settings(PRIVACY_EMAIL="privacy@topicus.example", PRIVACY_CONTACT_NAME="de FG")
def test_the_contact_comes_from_the_settings(client):
    page = text(client.get(URL))
    assert "Neem contact op met de FG:" in page
    assert 'href="mailto:privacy@topicus.example"' in page


def test_without_a_contact_it_points_to_the_own_organisation(client):
    page = text(client.get(URL))
    assert "functionaris gegevensbescherming van uw eigen organisatie" in page


@pytest.mark.parametrize("url", ["/", "/inloggen/", "/geen-account/"])
def test_every_page_links_to_it(client, url):
    assert 'href="/privacy/"' in text(client.get(url))


def test_logged_in_pages_link_to_it_too(person):
    from tests.support import logged_in

    assert 'href="/privacy/"' in text(logged_in(person).get("/portaal/"))


def test_it_is_in_english_too(client):
    page = text(client.get(URL, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Your rights" in page


def test_the_invitation_mail_links_to_it(invite):
    from django.core import mail

    invite()
    message = mail.outbox[-1]
    assert "Hoe wij met uw gegevens omgaan: https://portaal.example.nl/privacy/" in message.body
    html = message.alternatives[0][0]
    assert 'href="https://portaal.example.nl/privacy/"' in html
