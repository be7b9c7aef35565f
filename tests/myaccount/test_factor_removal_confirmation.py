"""Mijn account: removing an authenticator asks to confirm on a page of its own (no script
needed) and says what happens next, most of all when it is the one of this login (issue 15,
point 9)."""

import time

import pytest
import time_machine

from tests.support import log_in, text
from tokens.models import AppDevice
from tokens.testing import device_code
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db


def remove_url(device) -> str:
    return f"/mijn-account/verwijderen/{device.persistent_id}/"


@pytest.fixture
def spare(person):
    return AppDevice.objects.create(user=person, name="Werktelefoon", confirmed=True)


def test_the_overview_links_to_a_confirmation_page_instead_of_removing_at_once(
    client, person, spare
):
    log_in(client, person)
    page = text(client.get("/mijn-account/"))
    assert f'<a href="{remove_url(spare)}">Verwijder Werktelefoon</a>' in page
    assert f'action="{remove_url(spare)}"' not in page  # no one-click removal form
    confirm = client.get(remove_url(spare))
    assert confirm.status_code == 200
    assert "Weet u zeker dat u <strong>Werktelefoon</strong> wilt verwijderen?" in text(confirm)
    assert "U blijft ingelogd en gaat terug naar Mijn account." in text(confirm)
    assert AppDevice.objects.filter(pk=spare.pk).exists()  # asking removes nothing
    assert not AuditEvent.objects.filter(event="device.removed").exists()


def test_confirming_removes_the_authenticator_and_audits_its_name(client, person, spare):
    log_in(client, person)
    answer = client.post(remove_url(spare))
    assert answer["Location"] == "/mijn-account/"
    assert "Het authenticatiemiddel is verwijderd." in text(client.get("/mijn-account/"))
    assert not AppDevice.objects.filter(pk=spare.pk).exists()
    event = AuditEvent.objects.get(event="device.removed")
    assert event.details["name"] == "Werktelefoon"


def test_the_page_says_plainly_what_happens_when_removing_the_factor_of_this_login(
    client, person, spare
):
    log_in(client, person)
    page = text(client.get(remove_url(person.app)))
    assert "U bent nu met dit authenticatiemiddel ingelogd." in page
    assert "U logt daarna opnieuw in met uw andere authenticatiemiddel, " in page
    assert "<strong>Werktelefoon</strong>" in page


def test_removing_the_factor_of_this_login_leads_to_its_code_and_back_to_mijn_account(
    client, person, spare
):
    log_in(client, person)
    answer = client.post(remove_url(person.app))
    assert answer["Location"] == "/inloggen/code/"
    page = text(client.get("/inloggen/code/"))
    assert "U logt nu opnieuw in met uw andere authenticatiemiddel" in page
    code = {"device": spare.persistent_id, "code": device_code(spare)}
    assert client.post("/inloggen/code/", code)["Location"] == "/mijn-account/"
    assert client.get("/mijn-account/").status_code == 200


def test_the_last_authenticator_has_no_remove_button_on_its_page(client, person):
    log_in(client, person)
    page = text(client.get(remove_url(person.app)))
    assert "Dit is uw enige authenticatiemiddel. Voeg eerst een ander toe." in page
    assert "Ja, verwijderen" not in page
    assert "App toevoegen" in page and "Token koppelen" in page  # every way to add one


def test_asking_to_remove_later_first_asks_for_a_current_code(client, person, spare):
    log_in(client, person)
    with time_machine.travel(time.time() + 11 * 60):
        client.get("/portaal/")  # stay active
        answer = client.get(remove_url(spare))
        assert answer["Location"].startswith("/mijn-account/bevestigen/?next=")
        assert client.post(remove_url(spare))["Location"].startswith("/mijn-account/bevestigen/")
        assert AppDevice.objects.filter(pk=spare.pk).exists()


def test_another_persons_authenticator_has_no_confirmation_page(client, person, spare, agent):
    log_in(client, person)
    assert client.get(remove_url(agent.app)).status_code == 404


def test_other_methods_are_refused(client, person, spare):
    log_in(client, person)
    assert client.put(remove_url(spare)).status_code == 405
    assert AppDevice.objects.filter(pk=spare.pk).exists()
