"""Mijn account → Wachtwoord: the current one first, other sessions end, a notice by mail; and
the current password is guessed no faster than at the login.

Someone at a session left open must not try passwords there without waits; failures in Mijn
account and on the login page count together, per account and per client.
"""

import time

import pytest
import time_machine
from django.core import mail
from django.test import Client

from tests.support import GOOD_PASSWORD, log_in, next_code_allowed
from zorgportaal import throttle
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

CHANGE = "/mijn-account/wachtwoord/"
NEW_PASSWORD = "een nieuw en lang wachtwoord"


def change_password(client, current):
    return client.post(
        CHANGE, {"old_password": current, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )


def test_wrong_current_passwords_lead_to_a_wait_even_for_the_right_one(client, person):
    log_in(client, person)
    for _ in range(throttle.ACCOUNT.free):
        page = change_password(client, "niet mijn wachtwoord").content.decode()
        assert "Uw huidige wachtwoord klopt niet" in page
    response = change_password(client, GOOD_PASSWORD)
    assert "Te veel mislukte pogingen. Probeer het over 30 seconden opnieuw." in (
        response.content.decode()
    )
    person.refresh_from_db()
    assert person.check_password(GOOD_PASSWORD)
    assert AuditEvent.objects.filter(event="password.check_failed", subject=person).count() == 5


def test_the_wait_applies_at_the_login_page_too(client, person):
    log_in(client, person)
    for _ in range(throttle.ACCOUNT.free):
        change_password(client, "niet mijn wachtwoord")
    elsewhere = Client(REMOTE_ADDR="10.9.9.9")
    response = elsewhere.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    assert "Te veel mislukte pogingen" in response.content.decode()


def test_failures_at_the_login_page_count_in_mijn_account(client, person):
    log_in(client, person)
    for _ in range(throttle.ACCOUNT.free):
        Client().post("/inloggen/", {"email": person.email, "password": "fout"})
    response = change_password(client, GOOD_PASSWORD)
    assert "Te veel mislukte pogingen" in response.content.decode()


def test_the_right_password_before_the_limit_changes_it_and_clears_the_count(client, person):
    log_in(client, person)
    for _ in range(throttle.ACCOUNT.free - 1):
        change_password(client, "niet mijn wachtwoord")
    assert change_password(client, GOOD_PASSWORD)["Location"] == "/mijn-account/"
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    response = Client().post("/inloggen/", {"email": person.email, "password": "fout"})
    assert "Te veel" not in response.content.decode()


def test_after_the_wait_the_right_password_works(client, person):
    log_in(client, person)
    for _ in range(throttle.ACCOUNT.free):
        change_password(client, "niet mijn wachtwoord")
    with time_machine.travel(time.time() + 31):
        assert change_password(client, GOOD_PASSWORD)["Location"] == "/mijn-account/"


def test_changing_the_password_needs_the_current_one(client, person):
    log_in(client, person)
    response = client.post(
        "/mijn-account/wachtwoord/",
        {
            "old_password": "niet mijn wachtwoord",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert "Uw huidige wachtwoord klopt niet" in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(GOOD_PASSWORD)


def test_changing_the_password_ends_other_sessions_keeps_this_one_and_sends_a_notice(
    client, person
):
    elsewhere = Client()
    log_in(elsewhere, person)
    next_code_allowed(person)
    log_in(client, person)
    response = client.post(
        "/mijn-account/wachtwoord/",
        {"old_password": GOOD_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response["Location"] == "/mijn-account/"
    assert client.get("/portaal/").status_code == 200
    assert elsewhere.get("/portaal/")["Location"].startswith("/inloggen/")
    assert mail.outbox[-1].subject == "Het wachtwoord van uw Topicus Zorg Account is gewijzigd"
    assert AuditEvent.objects.filter(event="password.changed", subject=person).exists()


def test_a_new_password_like_the_persons_name_is_refused(client, person):
    person.first_name, person.last_name = "Wilhelmina", "Vandersteen"
    person.save()
    log_in(client, person)
    page = client.post(
        "/mijn-account/wachtwoord/",
        {
            "old_password": GOOD_PASSWORD,
            "password1": "Wilhelmina Vandersteen",
            "password2": "Wilhelmina Vandersteen",
        },
    )
    assert "lijkt te veel op" in page.content.decode()
    person.refresh_from_db()
    assert person.check_password(GOOD_PASSWORD)
