"""Abuse: secret links cannot be guessed at leisure, and nobody reaches another's things."""

import time

import pytest
import time_machine
from django.core import mail
from django.test import Client

from accounts.models import Invitation, User
from tests.support import GOOD_PASSWORD, give_app, log_in, unverify, with_app
from tokens.models import AppDevice
from verification.models import Conversation
from zorgportaal.models import AuditEvent, Throttle
from zorgportaal.security import LINK_POLICY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_helpdesk")]

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch", "HTTP_ACCEPT": "application/json"}


def from_address(address):
    return Client(REMOTE_ADDR=address)


# Invitation and reset links


def test_twenty_wrong_invitation_links_an_hour_then_429_even_for_a_right_one(invite):
    _invitation, link = invite()
    guesser = from_address("203.0.113.7")
    for attempt in range(LINK_POLICY.free):
        response = guesser.get(f"/uitnodiging/geraden-{attempt}/")
        assert response.status_code == 404, attempt
    refused = guesser.get(link)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 3500
    assert "Te veel ongeldige links" in refused.content.decode()
    assert refused["Referrer-Policy"] == "no-referrer"
    assert AuditEvent.objects.filter(event="invitation_link.throttled").count() == 1
    # Someone else, from another address, is not affected.
    assert from_address("198.51.100.1").get(link).status_code == 302
    # An hour later the guesser may try again.
    with time_machine.travel(time.time() + 3601):
        assert guesser.get("/uitnodiging/nog-een/").status_code == 404


def test_right_links_do_not_count(invite):
    client = from_address("203.0.113.8")
    for _ in range(LINK_POLICY.free + 5):
        _invitation, link = invite()
        assert client.get(link).status_code == 302
        Invitation.objects.all().delete()
    assert not Throttle.objects.exists()


def test_twenty_wrong_reset_links_an_hour_then_429(person, django_capture_on_commit_callbacks):
    guesser = from_address("203.0.113.9")
    for attempt in range(LINK_POLICY.free):
        response = guesser.get(f"/wachtwoord-vergeten/MQ/geraden-{attempt}/")
        assert response.status_code == 200
        assert "Deze link werkt niet meer" in response.content.decode()
    assert guesser.get("/wachtwoord-vergeten/MQ/nog-een/").status_code == 429
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes after the commit
        Client().post("/wachtwoord-vergeten/", {"email": person.email})
    path = mail.outbox[-1].body.split("https://portaal.example.nl", 1)[1].split()[0]
    assert guesser.get(path).status_code == 429
    assert from_address("198.51.100.2").get(path).status_code == 302


def test_an_unknown_or_malformed_reset_link_is_a_page_not_an_error():
    for path in [
        "/wachtwoord-vergeten/MQ/x/",
        "/wachtwoord-vergeten/%00/x/",
        "/wachtwoord-vergeten/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/set-password/",
    ]:
        response = Client().get(path)
        assert response.status_code == 200, path
        assert "Deze link werkt niet meer" in response.content.decode()


# Nobody reaches another person's chat, devices or audit events


@pytest.fixture
def two_people(person, organisation, role):
    """Anna (verified) and Bob (waiting for the helpdesk), each with a chat and an app."""
    bob = User.objects.create_user(
        "bob@delinde.example", GOOD_PASSWORD, organisation=organisation, role=role
    )
    with_app(bob)
    bobs_chat = Conversation.objects.create(person=bob)
    return person, bob, bobs_chat


def test_a_person_cannot_open_or_poll_or_write_in_anothers_chat(two_people):
    anna, _bob, bobs_chat = two_people
    unverify(anna)
    client = Client()
    log_in(client, anna)
    base = f"/verificatie/chat/{bobs_chat.pk}/"
    assert client.get(base).status_code == 404
    assert client.get(base + "berichten/?na=0", **FETCH).status_code == 404
    assert client.post(base + "bericht/", {"text": "hallo Bob"}).status_code == 404
    assert not bobs_chat.messages.exists()


def test_a_person_cannot_remove_anothers_device(two_people):
    anna, bob, _chat = two_people
    client = Client()
    log_in(client, anna)
    response = client.post(f"/mijn-account/verwijderen/{bob.app.persistent_id}/")
    assert response.status_code == 404
    assert AppDevice.objects.filter(pk=bob.app.pk).exists()
    page = client.get("/mijn-account/").content.decode()
    assert bob.app.persistent_id not in page


def test_a_person_reaches_no_console_page_and_no_audit_event(two_people):
    anna, bob, bobs_chat = two_people
    client = Client()
    log_in(client, anna)
    for url in [
        "/helpdesk/",
        f"/helpdesk/gesprek/{bobs_chat.pk}/",
        f"/helpdesk/gesprek/{bobs_chat.pk}/berichten/",
        f"/helpdesk/account/{bob.pk}/",
        "/helpdesk/telefonisch/",
    ]:
        assert client.get(url).status_code == 403, url
    for url in ["/admin/zorgportaal/auditevent/", "/admin/accounts/user/"]:
        assert client.get(url, follow=True).redirect_chain[-1][0] == "/portaal/", url


def test_staff_without_the_helpdesk_right_reach_no_chat(servicedesk, two_people):
    _anna, bob, bobs_chat = two_people
    client = Client()
    log_in(client, give_app(servicedesk))
    assert client.get(f"/helpdesk/gesprek/{bobs_chat.pk}/").status_code == 403
    assert client.get(f"/helpdesk/account/{bob.pk}/").status_code == 403
