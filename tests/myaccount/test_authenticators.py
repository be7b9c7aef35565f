"""Mijn account: authenticators added, replaced and removed; never the last one."""

import time

import pytest
import time_machine

from accounts.models import User
from tests.support import log_in, next_code_allowed
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
    assert response["Location"] == f"/mijn-account/naam/{new.persistent_id}/?nieuw"
    new.refresh_from_db()
    assert new.confirmed
    assert AppDevice.objects.filter(user=person, confirmed=True).count() == 2


def test_adding_later_asks_for_a_current_code_first(client, person):
    log_in(client, person)
    with time_machine.travel(time.time() + 11 * 60):
        client.get("/portaal/")  # stay active
        response = client.get("/mijn-account/app/")
        assert response["Location"] == "/mijn-account/bevestigen/?next=%2Fmijn-account%2Fapp%2F"
        next_code_allowed(person)
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


def test_removing_one_of_two_factors_keeps_the_verification_and_the_session(clock, client, person):
    second = AppDevice.objects.create(user=person, name="Tweede app", confirmed=True)
    log_in(client, person)
    response = client.post(f"/mijn-account/verwijderen/{second.persistent_id}/")
    assert response["Location"] == "/mijn-account/"
    person.refresh_from_db()
    assert person.identity_verified_at is not None
    assert client.get("/portaal/").status_code == 200
    assert not AuditEvent.objects.filter(event="identity.verification_withdrawn").exists()


def test_the_last_factor_cannot_be_removed_in_mijn_account(clock, client, person):
    log_in(client, person)
    response = client.post(f"/mijn-account/verwijderen/{person.app.persistent_id}/", follow=True)
    assert "Dit is uw enige authenticatiemiddel." in response.content.decode()
    assert AppDevice.objects.filter(user=person, confirmed=True).exists()
