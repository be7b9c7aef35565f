"""The verification page (manual 2.6): the gate, the 4-digit code and the opening hours."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client

from accounts.models import User
from tests.support import GOOD_PASSWORD, log_in
from tokens.models import AppDevice
from verification import services
from verification.models import Conversation, VerificationCode
from verification.opening_hours import AMSTERDAM
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

START = "/verificatie/"
# Saturday 10 January 2026, noon in Amsterdam: closed with the default hours.
SATURDAY_NOON = datetime(2026, 1, 10, 12, 0, tzinfo=AMSTERDAM).timestamp()


def shown_code(page: str) -> str:
    match = re.search(r'class="verification-code"[^>]*><strong>([0-9]{4})</strong>', page)
    assert match, page
    return match.group(1)


def test_after_both_factors_an_unverified_person_lands_on_the_verification_page(
    client, unverified, open_helpdesk
):
    response = log_in(client, unverified)
    response = client.get(response["Location"])
    assert response["Location"] == START
    page = client.get(START).content.decode()
    assert "<title>Verificatie – ZorgPortaal</title>" in page
    assert "Welkom op het Topicus Zorgportaal" in page
    assert (
        "Om in te kunnen loggen met uw persoonlijke account, dienen als laatste stap uw "
        "gegevens te worden geverifieerd." in page
    )
    assert "Uw verificatiecode is:" in page
    assert re.fullmatch(r"[0-9]{4}", shown_code(page))
    assert "We zijn altijd bereikbaar." in page
    assert "Klik hier om de chat te starten" in page
    assert "Uitloggen" in page


@pytest.mark.parametrize(
    "url",
    ["/portaal/", "/portaal/documentatie/", "/mijn-account/", "/admin/", "/helpdesk/"],
)
def test_every_other_page_sends_an_unverified_person_to_the_verification_page(
    client, unverified, url
):
    log_in(client, unverified)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == START


def test_an_unverified_person_can_still_log_out(client, unverified):
    log_in(client, unverified)
    response = client.post("/uitloggen/")
    assert response["Location"] == "/inloggen/"
    assert client.get(START)["Location"].startswith("/inloggen/")


def test_a_verified_person_is_sent_from_the_verification_page_to_the_portal(client, person):
    log_in(client, person)
    assert client.get(START)["Location"] == "/portaal/"


def test_the_code_stays_the_same_on_reload_and_belongs_to_the_account(client, unverified):
    log_in(client, unverified)
    first = shown_code(client.get(START).content.decode())
    assert shown_code(client.get(START).content.decode()) == first
    code = VerificationCode.objects.current().get(user=unverified)
    assert code.code == first
    assert code.expires_at - code.created_at == timedelta(hours=24)


def test_each_person_gets_their_own_code(unverified, organisation):
    other = User.objects.create_user("bram@delinde.example", GOOD_PASSWORD)
    codes = {services.code_current(user=unverified), services.code_current(user=other)}
    assert {code.user for code in codes} == {unverified, other}


def test_codes_come_from_the_csprng_as_four_digits(monkeypatch):
    drawn = []

    def randbelow(limit):
        drawn.append(limit)
        return 42

    monkeypatch.setattr(services.secrets, "randbelow", randbelow)
    assert services.new_code() == "0042"
    assert drawn == [10_000]


def test_an_expired_code_is_replaced_by_a_new_one(client, unverified, settings):
    settings.VERIFICATION_CODE_VALID_HOURS = 2
    log_in(client, unverified)
    client.get(START)
    first = VerificationCode.objects.current().get(user=unverified)
    with time_machine.travel(timedelta(hours=2, minutes=1)):
        client = Client()
        log_in(client, unverified)
        shown = shown_code(client.get(START).content.decode())
    first.refresh_from_db()
    assert first.end_reason == VerificationCode.EndReason.EXPIRED
    current = VerificationCode.objects.current().get(user=unverified)
    assert current.pk != first.pk
    assert shown == current.code


def test_the_code_is_never_in_a_url_or_the_audit_trail(client, unverified, open_helpdesk):
    log_in(client, unverified)
    response = client.get(START)
    code = shown_code(response.content.decode())
    response = client.post("/verificatie/chat/starten/")
    assert code not in response["Location"]
    for event in AuditEvent.objects.all():
        assert code not in [str(value) for value in event.details.values()]


def test_the_database_holds_one_current_code_per_person(unverified):
    from django.db import IntegrityError
    from django.utils import timezone

    services.code_current(user=unverified)
    with pytest.raises(IntegrityError):
        VerificationCode.objects.create(
            user=unverified, code="1234", expires_at=timezone.now() + timedelta(hours=1)
        )


def test_outside_opening_hours_the_page_says_the_chat_is_closed_and_when_it_opens(
    client, unverified, settings
):
    settings.HELPDESK_OPENING_HOURS = "mon-fri 08:30-17:00"
    settings.HELPDESK_HOLIDAYS = ""
    with time_machine.travel(SATURDAY_NOON, tick=False):
        log_in(client, unverified)
        page = client.get(START).content.decode()
    assert "De chat is gesloten" in page
    assert "We zijn weer bereikbaar: maandag 08:30." in page
    assert "We zijn bereikbaar op werkdagen tussen 08:30 en 17:00." in page
    assert "Klik hier om de chat te starten" not in page


def test_starting_a_chat_outside_opening_hours_is_refused_by_the_server(
    client, unverified, settings
):
    settings.HELPDESK_OPENING_HOURS = "mon-fri 08:30-17:00"
    settings.HELPDESK_HOLIDAYS = ""
    with time_machine.travel(SATURDAY_NOON, tick=False):
        log_in(client, unverified)
        response = client.post("/verificatie/chat/starten/")
    assert response.status_code == 409
    page = response.content.decode()
    assert "Buiten onze openingstijden kunt u geen chat starten." in page
    assert "We zijn weer bereikbaar: maandag 08:30." in page
    assert not Conversation.objects.exists()


def test_a_person_with_an_open_chat_is_offered_to_continue_it(client, unverified, open_helpdesk):
    log_in(client, unverified)
    client.post("/verificatie/chat/starten/")
    conversation = Conversation.objects.get(person=unverified)
    page = client.get(START).content.decode()
    assert "Verder met het chatgesprek" in page
    assert f"/verificatie/chat/{conversation.pk}/" in page


def test_the_lost_factor_page_shows_the_code_after_the_password_only(client, person):
    client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    page = client.get("/verificatie/authenticatiemiddel-kwijt/").content.decode()
    assert "Authenticatiemiddel kwijt of geblokkeerd?" in page
    assert shown_code(page) == VerificationCode.objects.current().get(user=person).code


def test_the_lost_factor_page_is_not_for_anyone_without_the_password(client):
    response = client.get("/verificatie/authenticatiemiddel-kwijt/")
    assert response["Location"].startswith("/inloggen/")


def test_after_a_factor_reset_the_person_is_sent_to_choose_a_new_one(client, unverified):
    log_in(client, unverified)
    AppDevice.objects.filter(user=unverified).delete()
    assert client.get(START)["Location"] == "/registreren/authenticatiemiddel/"
