"""Mijn account → Wachtwoord: the current password is guessed no faster than at the login.

Someone at a session left open must not try passwords there without waits; failures in Mijn
account and on the login page count together, per account and per client.
"""

import time

import pytest
import time_machine
from django.test import Client

from tests.support import GOOD_PASSWORD, log_in
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
