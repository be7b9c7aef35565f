""" "Wachtwoord vergeten?": the same answer for every address, a link that works once."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from tests.support import GOOD_PASSWORD, ask_reset, log_in, reset_link
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "een nieuw en lang wachtwoord"


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
    # Three refusals: the trail records the first of the window
    # (tests/zorgportaal/test_audit_flood.py).
    assert AuditEvent.objects.filter(event="password_reset.throttled").count() == 1
