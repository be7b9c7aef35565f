"""Mijn account: people name their authenticators ("iPhone van Anna"), at set-up or later, so
two apps never look alike; each name change is audited (issue 15, point 9)."""

import pytest

from tests.support import GOOD_PASSWORD, log_in, text
from tokens import services
from tokens.models import AppDevice
from tokens.testing import device_code
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db


def rename_url(device) -> str:
    return f"/mijn-account/naam/{device.persistent_id}/"


def test_a_person_renames_an_authenticator_and_sees_the_new_name(client, person):
    log_in(client, person)
    form = text(client.get(rename_url(person.app)))
    assert 'value="Authenticator-app"' in form
    answer = client.post(rename_url(person.app), {"name": "  iPhone   van Anna "})
    assert answer["Location"] == "/mijn-account/"
    page = text(client.get("/mijn-account/"))
    assert "De naam is opgeslagen." in page
    assert "iPhone van Anna" in page
    assert AppDevice.objects.get(pk=person.app.pk).name == "iPhone van Anna"


def test_a_rename_is_audited_with_the_old_and_the_new_name(client, person):
    log_in(client, person)
    client.post(rename_url(person.app), {"name": "iPhone van Anna"})
    event = AuditEvent.objects.get(event="device.renamed")
    assert event.subject == person
    assert event.details["old_name"] == "Authenticator-app"
    assert event.details["name"] == "iPhone van Anna"
    assert event.details["device"] == person.app.persistent_id


def test_keeping_the_same_name_records_nothing(client, person):
    log_in(client, person)
    assert client.post(rename_url(person.app), {"name": "Authenticator-app"}).status_code == 302
    assert not AuditEvent.objects.filter(event="device.renamed").exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Vul een naam in."),
        ("   ", "Vul een naam in."),
        ("x" * 65, "Vul een naam in van hoogstens 64 tekens."),
    ],
)
def test_an_empty_or_too_long_name_is_refused_at_the_field(client, person, name, message):
    log_in(client, person)
    page = client.post(rename_url(person.app), {"name": name})
    assert page.status_code == 200
    assert message in text(page)
    assert 'aria-invalid="true"' in text(page)
    assert AppDevice.objects.get(pk=person.app.pk).name == "Authenticator-app"


def test_two_authenticators_cannot_share_a_name(client, person):
    AppDevice.objects.create(user=person, name="iPad", confirmed=True)
    log_in(client, person)
    page = text(client.post(rename_url(person.app), {"name": "iPad"}))
    assert "U heeft al een authenticatiemiddel met deze naam." in page
    assert AppDevice.objects.get(pk=person.app.pk).name == "Authenticator-app"


def test_another_persons_authenticator_cannot_be_renamed(client, person, agent):
    log_in(client, person)
    assert client.get(rename_url(agent.app)).status_code == 404
    assert client.post(rename_url(agent.app), {"name": "Van mij"}).status_code == 404
    assert AppDevice.objects.get(pk=agent.app.pk).name == "Authenticator-app"


def test_a_second_app_gets_a_name_of_its_own(client, person):
    log_in(client, person)
    client.get("/mijn-account/app/")
    new = AppDevice.objects.get(user=person, confirmed=False)
    assert new.name == "Authenticator-app 2"


def test_after_adding_an_app_the_person_is_asked_to_name_it(client, person):
    log_in(client, person)
    client.get("/mijn-account/app/")
    new = AppDevice.objects.get(user=person, confirmed=False)
    answer = client.post("/mijn-account/app/", {"code": device_code(new)})
    page = text(client.get(answer["Location"]))
    assert "Het authenticatiemiddel is toegevoegd." in page
    assert "Geef uw authenticatiemiddel een naam" in page
    assert 'value="Authenticator-app 2"' in page
    assert 'href="/mijn-account/">Niet nu<' in page
    client.post(rename_url(new), {"name": "Werktelefoon"})
    assert "Werktelefoon" in text(client.get("/mijn-account/"))


def test_the_code_step_lists_the_apps_by_their_names(client, person):
    services.device_rename(person.app, name="iPhone van Anna")
    AppDevice.objects.create(user=person, name="Werktelefoon", confirmed=True)
    client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    page = text(client.get("/inloggen/code/"))
    assert "iPhone van Anna" in page
    assert "Werktelefoon" in page


def test_the_overview_marks_the_authenticator_of_this_session(client, person):
    AppDevice.objects.create(user=person, name="Werktelefoon", confirmed=True)
    log_in(client, person)
    page = text(client.get("/mijn-account/"))
    assert page.count("(gebruikt voor deze sessie)") == 1
    assert page.index("Authenticator-app") < page.index("(gebruikt voor deze sessie)")
    assert page.index("(gebruikt voor deze sessie)") < page.index("Werktelefoon")
