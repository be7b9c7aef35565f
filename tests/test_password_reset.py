""" "Wachtwoord vergeten?" and changing the password in Mijn account."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client, TestCase

from tests.support import GOOD_PASSWORD, log_in
from tokens.testing import device_code
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "een nieuw en lang wachtwoord"


def ask_reset(client, email):
    """Ask as a person does; the mail goes once the request's transaction commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/wachtwoord-vergeten/", {"email": email})


def reset_link(message) -> str:
    return re.search(r"https://portaal\.example\.nl(/wachtwoord-vergeten/\S+/)", message.body)[1]


def choose_new_password(client, link, password=NEW_PASSWORD):
    form_url = client.get(link)["Location"]  # the token moves into the session
    return form_url, client.post(form_url, {"password1": password, "password2": password})


def test_the_same_answer_whether_or_not_the_address_exists(client, person):
    known = ask_reset(client, person.email)
    unknown = ask_reset(Client(), "niemand@delinde.example")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/wachtwoord-vergeten/verstuurd/"
    assert [m.to for m in mail.outbox] == [[person.email]]
    page = client.get(known["Location"]).content.decode()
    assert "Als dit e-mailadres bij een account hoort" in page


def test_the_reset_link_leads_to_a_new_password_and_then_both_factors(client, person):
    ask_reset(client, person.email)
    message = mail.outbox[-1]
    assert message.subject == "Nieuw wachtwoord kiezen voor uw Topicus Zorg Account"
    form_url, response = choose_new_password(client, reset_link(message))
    assert "set-password" in form_url
    assert response["Location"] == "/inloggen/"
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert mail.outbox[-1].subject == "Het wachtwoord van uw Topicus Zorg Account is gewijzigd"
    response = client.post("/inloggen/", {"email": person.email, "password": NEW_PASSWORD})
    assert response["Location"] == "/inloggen/code/"  # the second factor is still needed
    assert client.get("/portaal/")["Location"] == "/inloggen/code/"


def test_a_reset_link_works_once(client, person):
    ask_reset(client, person.email)
    link = reset_link(mail.outbox[-1])
    choose_new_password(client, link)
    response = Client().get(link, follow=True)
    assert "Deze link werkt niet meer" in response.content.decode()


def test_a_reset_link_expires_after_an_hour(client, person):
    ask_reset(client, person.email)
    link = reset_link(mail.outbox[-1])
    with time_machine.travel(timedelta(hours=1, minutes=1)):
        response = client.get(link, follow=True)
    assert "Deze link werkt niet meer" in response.content.decode()


def test_the_new_password_must_pass_the_same_rules(client, person):
    ask_reset(client, person.email)
    _, response = choose_new_password(client, reset_link(mail.outbox[-1]), "kort")
    assert "Dit wachtwoord is te kort" in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(GOOD_PASSWORD)


def test_a_reset_ends_the_persons_other_sessions(client, person):
    elsewhere = Client()
    log_in(elsewhere, person)
    assert elsewhere.get("/portaal/").status_code == 200
    ask_reset(client, person.email)
    choose_new_password(client, reset_link(mail.outbox[-1]))
    assert elsewhere.get("/portaal/")["Location"].startswith("/inloggen/")


def test_reset_mails_are_limited_per_address(client, person):
    for number in range(6):
        ask_reset(Client(REMOTE_ADDR=f"10.0.0.{number}"), person.email)
    assert len(mail.outbox) == 3
    assert AuditEvent.objects.filter(event="password_reset.requested").count() == 3
    # Three refusals: the trail records the first of the window (tests/test_audit_flood.py).
    assert AuditEvent.objects.filter(event="password_reset.throttled").count() == 1


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
    type(person.app).objects.filter(pk=person.app.pk).update(last_t=-1)  # a second fresh code
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


def test_geen_account_explains_that_accounts_come_through_the_organisation(client):
    page = client.get("/geen-account/").content.decode()
    assert "Uw organisatie geeft uw e-mailadres door aan de Topicus Servicedesk" in page


def test_totp_helper_matches_the_device(person):
    assert person.app.verify_token(device_code(person.app))


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
