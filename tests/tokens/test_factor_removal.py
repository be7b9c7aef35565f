"""An account left without a factor needs the helpdesk again: the mailbox alone is not enough.

The attack (issue 11, point 1): after the helpdesk resets a person's factors, someone who reads
that person's mail asks "Wachtwoord vergeten?", sets a password, logs in and binds their own
app. Before, `identity_verified_at` survived the reset and that someone reached the portal.
"""

import pytest
from django.core import mail
from django.test import Client

from tests.support import GOOD_PASSWORD, log_in, reset_link
from tokens.models import AppDevice
from tokens.testing import device_code
from verification import services as verification
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

ATTACKER_PASSWORD = "het wachtwoord van de meelezer"


def helpdesk_reset(person, agent, capture):
    """What the agent does after checking who calls: the person's current code, then reset."""
    code = verification.code_current(user=person)
    with capture(execute=True):
        removed = verification.factors_reset(
            person=person, code=code, agent=agent, request=None, channel="phone"
        )
    assert removed


def reset_password_from_the_mailbox(email, capture) -> None:
    """ "Wachtwoord vergeten?", the link from the mail, a new password: all from a mailbox."""
    reader = Client()
    with capture(execute=True):
        reader.post("/wachtwoord-vergeten/", {"email": email})
    message = next(m for m in reversed(mail.outbox) if "wachtwoord-vergeten/" in m.body)
    link = reset_link(message)
    form_url = reader.get(link)["Location"]
    reader.post(form_url, {"password1": ATTACKER_PASSWORD, "password2": ATTACKER_PASSWORD})


def log_in_and_bind_an_app(email) -> Client:
    """The new password, then "Gebruik app" with a code computed from the new app's seed."""
    intruder = Client()
    response = intruder.post("/inloggen/", {"email": email, "password": ATTACKER_PASSWORD})
    assert response["Location"] == "/inloggen/code/"
    assert intruder.get("/portaal/")["Location"] == "/registreren/authenticatiemiddel/"
    intruder.get("/registreren/app/")
    device = AppDevice.objects.get(user__email=email, confirmed=False)
    response = intruder.post("/registreren/app/", {"code": device_code(device)})
    assert response["Location"] == "/registreren/klaar/"
    return intruder


def assert_held_at_the_helpdesk(client, person):
    person.refresh_from_db()
    assert person.identity_verified_at is None
    for url in ("/portaal/", "/mijn-account/", "/portaal/notificaties/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/verificatie/", url
    page = client.get("/verificatie/").content.decode()
    assert "Uw verificatiecode is:" in page


def test_reset_first_then_the_mailbox_and_a_new_app_reach_only_the_helpdesk(
    clock, person, agent, django_capture_on_commit_callbacks
):
    helpdesk_reset(person, agent, django_capture_on_commit_callbacks)
    reset_password_from_the_mailbox(person.email, django_capture_on_commit_callbacks)
    intruder = log_in_and_bind_an_app(person.email)
    assert_held_at_the_helpdesk(intruder, person)


def test_password_reset_first_then_the_helpdesk_reset_still_needs_the_helpdesk(
    clock, person, agent, django_capture_on_commit_callbacks
):
    reset_password_from_the_mailbox(person.email, django_capture_on_commit_callbacks)
    helpdesk_reset(person, agent, django_capture_on_commit_callbacks)
    intruder = log_in_and_bind_an_app(person.email)
    assert_held_at_the_helpdesk(intruder, person)


def test_a_session_open_at_reset_time_ends_and_cannot_bind_a_factor(
    clock, client, person, agent, django_capture_on_commit_callbacks
):
    log_in(client, person)
    assert client.get("/portaal/").status_code == 200
    helpdesk_reset(person, agent, django_capture_on_commit_callbacks)
    for url in ("/portaal/", "/registreren/app/", "/registreren/authenticatiemiddel/"):
        assert client.get(url)["Location"].startswith("/inloggen/"), url
    assert not AppDevice.objects.filter(user=person).exists()


def test_a_half_logged_in_session_at_reset_time_ends_too(
    clock, person, agent, django_capture_on_commit_callbacks
):
    caller = Client()
    caller.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    assert caller.get("/verificatie/authenticatiemiddel-kwijt/").status_code == 200
    helpdesk_reset(person, agent, django_capture_on_commit_callbacks)
    assert caller.get("/registreren/app/")["Location"].startswith("/inloggen/")


def test_the_person_binds_a_new_factor_and_is_verified_again_by_the_helpdesk(
    clock, person, agent, django_capture_on_commit_callbacks
):
    helpdesk_reset(person, agent, django_capture_on_commit_callbacks)
    assert "verifieert de helpdesk uw gegevens opnieuw" in mail.outbox[-1].body
    again = Client()
    again.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    again.get("/registreren/app/")
    device = AppDevice.objects.get(user=person, confirmed=False)
    again.post("/registreren/app/", {"code": device_code(device)})
    assert again.get("/portaal/")["Location"] == "/verificatie/"
    code = verification.code_current(user=person)
    assert verification.person_verify(
        person=person, code=code, agent=agent, request=None, channel="phone"
    )
    assert again.get("/portaal/").status_code == 200


def test_the_withdrawal_is_in_the_audit_trail(
    clock, person, agent, django_capture_on_commit_callbacks
):
    helpdesk_reset(person, agent, django_capture_on_commit_callbacks)
    event = AuditEvent.objects.get(event="identity.verification_withdrawn")
    assert (event.subject, event.details) == (person, {"reason": "no_factor_left"})


def test_an_administrator_deleting_the_last_device_withdraws_the_verification_too(
    clock, client, person, admin_client
):
    log_in(client, person)
    response = admin_client.post(
        "/admin/tokens/appdevice/",
        {"action": "delete_selected", "_selected_action": [person.app.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AppDevice.objects.filter(user=person).exists()
    person.refresh_from_db()
    assert person.identity_verified_at is None
    assert client.get("/portaal/")["Location"].startswith("/inloggen/")


@pytest.mark.django_db(transaction=True)
def test_removing_factors_works_outside_a_test_transaction(clock, client, person, agent):
    """Row locks need a real transaction: on PostgreSQL a lock outside one would answer 500."""
    second = AppDevice.objects.create(user=person, name="Tweede app", confirmed=True)
    log_in(client, person)
    response = client.post(f"/mijn-account/verwijderen/{second.persistent_id}/")
    assert response["Location"] == "/mijn-account/"
    code = verification.code_current(user=person)
    verification.factors_reset(person=person, code=code, agent=agent, request=None, channel="phone")
    person.refresh_from_db()
    assert person.identity_verified_at is None
    assert not AppDevice.objects.filter(user=person).exists()
