"""Every password field has a "Wachtwoord tonen" checkbox (SPEC 2: a show/hide toggle helps on
phones), hidden until zorgportaal.js can make it work; a real label, no name, so it is never
sent (issue 15, point 11; the browser half is in tests/browser/test_rough_edges.py)."""

import re

import pytest

from tests.support import log_in, text

pytestmark = pytest.mark.django_db


def toggles(html: str) -> list[str]:
    return re.findall(r'<label class="password-toggle" hidden>.*?</label>', html, re.S)


def test_the_login_has_one_toggle_for_its_password_field(client):
    found = toggles(text(client.get("/inloggen/")))
    assert len(found) == 1
    assert 'data-password-toggle="id_password"' in found[0]
    assert "Wachtwoord tonen" in found[0]
    assert "name=" not in found[0]


def test_choosing_a_password_has_a_toggle_for_each_field(client, invite):
    _invitation, link = invite()
    page = text(client.get(client.get(link)["Location"]))
    targets = re.findall(r'data-password-toggle="([^"]+)"', page)
    assert targets == ["id_password1", "id_password2"]


def test_changing_the_password_has_three_toggles(client, person):
    log_in(client, person)
    targets = re.findall(
        r'data-password-toggle="([^"]+)"', text(client.get("/mijn-account/wachtwoord/"))
    )
    assert targets == ["id_old_password", "id_password1", "id_password2"]


def test_fields_that_are_no_passwords_have_none(client):
    assert "password-toggle" not in text(client.get("/wachtwoord-vergeten/"))
