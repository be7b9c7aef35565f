"""Mijn account: authenticators added, replaced and removed; query budgets of the portal pages."""

import time

import pytest
import time_machine
from django.test import Client

from accounts.models import Organisation, Role, User
from portal.models import Service
from tests.support import GOOD_PASSWORD, log_in
from tokens.models import AppDevice
from tokens.testing import device_code
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_overview_lists_the_authenticators_without_secrets(client, person):
    log_in(client, person)
    page = client.get("/mijn-account/").content.decode()
    assert "Authenticator-app" in page
    assert "authenticator-app" in page  # the kind
    assert person.app.encrypted_secret not in page
    assert "Verwijder" not in page  # the only one cannot be removed


def test_adding_an_app_right_after_login_needs_no_extra_code(client, person):
    log_in(client, person)
    page = client.get("/mijn-account/app/").content.decode()
    assert "Stap 3 van 4" not in page
    assert "Terug naar Mijn account" in page
    new = AppDevice.objects.get(user=person, confirmed=False)
    response = client.post("/mijn-account/app/", {"code": device_code(new)})
    assert response["Location"] == "/mijn-account/"
    new.refresh_from_db()
    assert new.confirmed
    assert AppDevice.objects.filter(user=person, confirmed=True).count() == 2


def test_adding_later_asks_for_a_current_code_first(client, person):
    log_in(client, person)
    with time_machine.travel(time.time() + 11 * 60):
        client.get("/portaal/")  # stay active
        response = client.get("/mijn-account/app/")
        assert response["Location"] == "/mijn-account/bevestigen/?next=%2Fmijn-account%2Fapp%2F"
        type(person.app).objects.filter(pk=person.app.pk).update(last_t=-1)
        confirm = client.post(
            response["Location"],
            {
                "device": person.app.persistent_id,
                "code": device_code(person.app),
                "next": "/mijn-account/app/",
            },
        )
        assert confirm["Location"] == "/mijn-account/app/"
        assert client.get("/mijn-account/app/").status_code == 200


def test_a_wrong_step_up_code_is_refused(client, person):
    log_in(client, person)
    with time_machine.travel(time.time() + 11 * 60):
        response = client.post(
            "/mijn-account/bevestigen/", {"device": person.app.persistent_id, "code": "000000"}
        )
        assert "Deze code klopt niet" in response.content.decode()
        assert client.get("/mijn-account/token/")["Location"].startswith(
            "/mijn-account/bevestigen/"
        )


def test_an_authenticator_can_be_removed_while_another_remains(client, person):
    spare = AppDevice.objects.create(user=person, name="Reserve", confirmed=True)
    log_in(client, person)
    page = client.get("/mijn-account/").content.decode()
    assert "Verwijder Reserve" in page
    response = client.post(f"/mijn-account/verwijderen/{spare.persistent_id}/")
    assert response["Location"] == "/mijn-account/"
    assert not AppDevice.objects.filter(pk=spare.pk).exists()
    assert AuditEvent.objects.filter(event="device.removed", subject=person).exists()


def test_the_last_authenticator_is_never_removed(client, person):
    log_in(client, person)
    response = client.post(f"/mijn-account/verwijderen/{person.app.persistent_id}/", follow=True)
    assert "Dit is uw enige authenticatiemiddel" in response.content.decode()
    assert AppDevice.objects.filter(pk=person.app.pk).exists()


def test_another_persons_authenticator_cannot_be_removed(client, person):
    other = User.objects.create_user("ander@delinde.example", "x")
    theirs = AppDevice.objects.create(user=other, name="Hun app", confirmed=True)
    AppDevice.objects.create(user=person, name="Reserve", confirmed=True)
    log_in(client, person)
    assert client.post(f"/mijn-account/verwijderen/{theirs.persistent_id}/").status_code == 404
    assert AppDevice.objects.filter(pk=theirs.pk).exists()


def test_services_show_for_everyone_or_for_the_persons_organisation_and_role(client, person):
    elsewhere = Organisation.objects.create(name="Elders")
    other_role = Role.objects.create(name="Apotheker")
    Service.objects.create(name="Voor iedereen", url="https://a.example.org/")
    mine = Service.objects.create(name="Voor De Linde", url="https://b.example.org/")
    mine.organisations.add(person.organisation)
    theirs = Service.objects.create(name="Voor Elders", url="https://c.example.org/")
    theirs.organisations.add(elsewhere)
    role_only = Service.objects.create(name="Voor apothekers", url="https://d.example.org/")
    role_only.roles.add(other_role)
    log_in(client, person)
    page = client.get("/portaal/").content.decode()
    assert "Voor iedereen" in page
    assert "Voor De Linde" in page
    assert "Voor Elders" not in page
    assert "Voor apothekers" not in page


def test_the_dashboard_needs_few_queries_however_many_services(
    client, person, django_assert_max_num_queries
):
    log_in(client, person)
    with django_assert_max_num_queries(8) as first:
        client.get("/portaal/")
    for n in range(30):
        service = Service.objects.create(name=f"Dienst {n}", url="https://x.example.org/")
        service.organisations.add(person.organisation)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/portaal/")


def test_the_login_pages_need_few_queries(client, person, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        client.get("/inloggen/")
    with django_assert_max_num_queries(16):  # two throttle counters and an audit event
        client.post("/inloggen/", {"email": person.email, "password": "fout"})
    with django_assert_max_num_queries(13):  # and which stage the new session key is at
        client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    with django_assert_max_num_queries(8):
        client.get("/inloggen/code/")


def test_failures_counted_from_one_client_are_enforced_for_every_client(person):
    """The count lives in the shared database, so every app server and client sees it."""
    for n in range(5):
        Client(REMOTE_ADDR=f"10.0.0.{n + 1}").post(
            "/inloggen/", {"email": person.email, "password": "fout"}
        )
    response = Client(REMOTE_ADDR="10.0.0.99").post(
        "/inloggen/", {"email": person.email, "password": GOOD_PASSWORD}
    )
    assert "Te veel mislukte pogingen" in response.content.decode()
