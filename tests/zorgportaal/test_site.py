"""zorgportaal/site.py: the helpdesk's phone number as people read and dial it, the settings
that refuse a broken link, and the icon."""

import runpy
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured

from tests.support import GOOD_PASSWORD
from zorgportaal import settings as project_settings
from zorgportaal.site import helpdesk_contact, phone_for_reading, phone_uri

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("written", "read", "dialled"),
    [
        ("0851234567", "085 123 4567", "tel:+31851234567"),
        ("0201234567", "020 123 4567", "tel:+31201234567"),
        ("+31201234567", "020 123 4567", "tel:+31201234567"),
        ("0031201234567", "020 123 4567", "tel:+31201234567"),
        ("0612345678", "06 1234 5678", "tel:+31612345678"),
        ("0544123456", "0544 123 456", "tel:+31544123456"),
        ("08001234", "0800 1234", "tel:+318001234"),
        ("09001234567", "0900 123 4567", "tel:+319001234567"),
        # Written with spaces or dashes: as the operator wrote it, the link without them.
        ("085 - 123 45 67", "085 - 123 45 67", "tel:+31851234567"),
        ("+31 (0)85 123 4567", "+31 (0)85 123 4567", "tel:+31851234567"),
        ("020123", "020123", "tel:+3120123"),
        ("+44 20 7946 0958", "+44 20 7946 0958", "tel:+442079460958"),
        ("+442079460958", "+442079460958", "tel:+442079460958"),
        ("14020", "14020", "tel:14020"),
    ],
)
def test_a_phone_number_is_grouped_for_reading_and_dialled_in_full(written, read, dialled):
    assert phone_for_reading(written) == read
    assert phone_uri(written) == dialled


def test_the_contact_is_empty_and_false_without_settings(settings):
    contact = helpdesk_contact()
    assert not contact
    assert (contact.phone, contact.phone_uri, contact.email, contact.url) == ("", "", "", "")


def test_the_contact_follows_the_settings(settings):
    settings.HELPDESK_PHONE = "0201234567"
    contact = helpdesk_contact()
    assert contact and (contact.phone, contact.phone_uri) == ("020 123 4567", "tel:+31201234567")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HELPDESK_PHONE", "bel ons"),
        ("HELPDESK_PHONE", "javascript:alert(1)"),
        ("HELPDESK_EMAIL", "helpdesk"),
        ("HELPDESK_EMAIL", 'a"b@c.nl'),
        ("HELPDESK_URL", "javascript:alert(1)"),
        ("HELPDESK_URL", "hulp.example.nl"),
        ("TOKEN_SHOP_URL", "ftp://shop.example"),
    ],
)
def test_a_value_that_would_make_a_broken_or_unsafe_link_is_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        runpy.run_path(project_settings.__file__)


def test_the_settings_read_the_name_the_helpdesk_and_the_shop(monkeypatch):
    for name, value in {
        "SITE_NAME": " ZorgPortaal Acceptatie ",
        "HELPDESK_PHONE": "085 123 45 67",
        "HELPDESK_EMAIL": "helpdesk@topicus.example",
        "HELPDESK_URL": "https://hulp.topicus.example/",
        "TOKEN_SHOP_URL": "https://fidosecurity.nl/winkel?store-page=OTP-c200",
    }.items():
        monkeypatch.setenv(name, value)
    loaded = runpy.run_path(project_settings.__file__)
    assert loaded["SITE_NAME"] == "ZorgPortaal Acceptatie"
    assert loaded["OTP_TOTP_ISSUER"] == "ZorgPortaal Acceptatie"  # in the authenticator app
    assert loaded["HELPDESK_PHONE"] == "085 123 45 67"
    assert loaded["TOKEN_SHOP_TEXT"] == "fidosecurity.nl"  # the shop's host without a text
    monkeypatch.setenv("TOKEN_SHOP_TEXT", "OTP c200 bij FIDO Security")
    assert runpy.run_path(project_settings.__file__)["TOKEN_SHOP_TEXT"] == (
        "OTP c200 bij FIDO Security"
    )


def test_the_defaults_are_zorgportaal_and_no_contact(monkeypatch):
    for name in ("SITE_NAME", "HELPDESK_PHONE", "HELPDESK_EMAIL", "HELPDESK_URL", "TOKEN_SHOP_URL"):
        monkeypatch.delenv(name, raising=False)
    loaded = runpy.run_path(project_settings.__file__)
    assert loaded["SITE_NAME"] == "ZorgPortaal"
    assert [loaded[n] for n in ("HELPDESK_PHONE", "HELPDESK_EMAIL", "HELPDESK_URL")] == [""] * 3
    assert (loaded["TOKEN_SHOP_URL"], loaded["TOKEN_SHOP_TEXT"]) == ("", "")


# The icon


def test_favicon_ico_answers_with_our_icon_not_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
    assert finders.find("favicon.svg")


def test_favicon_ico_answers_every_stage_of_the_journey(client, person):
    client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    assert client.get("/favicon.ico")["Location"] == "/static/favicon.svg"


def test_every_page_links_the_icon(client):
    link = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
    assert link in client.get("/inloggen/").content.decode()
    assert link in client.get("/bestaat-niet/").content.decode()  # the error pages too


def test_the_icon_is_an_svg_of_our_own(client):
    icon = Path(finders.find("favicon.svg")).read_text(encoding="utf-8")
    assert icon.startswith("<svg") and "#0b5cab" in icon
