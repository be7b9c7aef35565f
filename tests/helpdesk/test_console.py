"""The helpdesk console: the queue, taking a chat, verifying, the phone path and resets."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Invitation, User
from tests.support import GOOD_PASSWORD, logged_in, make_agent
from tokens.models import AppDevice
from verification import services
from verification.models import Conversation, Message, VerificationCode
from zorgportaal.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_helpdesk")]

QUEUE = "/helpdesk/"
PHONE = "/helpdesk/telefonisch/"
CODE = "7395"  # set explicitly, so "not on the page" cannot collide with a date or a time


# `agent` (Sanne, the helpdesk of Anna's organisation) and `console` come from conftest.py.


@pytest.fixture
def unverified(unverified, servicedesk):
    """Anna, not yet verified (conftest's), who was invited by Sanne of the servicedesk."""
    Invitation.objects.create(
        email=unverified.email,
        organisation=unverified.organisation,
        role=unverified.role,
        invited_by=servicedesk,
        token_hash="x" * 64,
        created_at=timezone.now() - timedelta(days=3),
        used_at=timezone.now() - timedelta(days=2),
        user=unverified,
    )
    return unverified


@pytest.fixture
def code(unverified):
    code = services.code_current(user=unverified)
    VerificationCode.objects.filter(pk=code.pk).update(code=CODE)
    code.code = CODE
    return code


@pytest.fixture
def chat(unverified):
    return services.conversation_start(person=unverified, request=None)


@pytest.fixture
def taken(chat, agent):
    assert services.conversation_take(conversation_id=chat.pk, agent=agent, request=None)
    return chat


def page_of(conversation) -> str:
    return f"/helpdesk/gesprek/{conversation.pk}/"


# Who may use the console


@pytest.mark.parametrize("url", [QUEUE, PHONE, "/helpdesk/gesprek/1/", "/helpdesk/account/1/"])
def test_staff_without_the_helpdesk_permission_are_refused(url):
    client = logged_in(make_agent("piet@topicus.example", permission=False))
    assert client.get(url).status_code == 403


def test_people_with_the_permission_who_are_not_staff_are_refused():
    client = logged_in(make_agent("piet@topicus.example", staff=False))
    assert client.get(QUEUE).status_code == 403


def test_an_agent_who_gave_only_the_password_is_sent_to_the_code_step(agent):
    client = Client()
    client.post("/inloggen/", {"email": agent.email, "password": GOOD_PASSWORD})
    assert client.get(QUEUE)["Location"] == "/inloggen/code/"
    assert client.post("/helpdesk/gesprek/1/overnemen/")["Location"] == "/inloggen/code/"


def test_anonymous_visitors_are_sent_to_the_login(client):
    assert client.get(QUEUE)["Location"] == "/inloggen/?next=%2Fhelpdesk%2F"


# The queue


def test_the_queue_lists_waiting_chats_oldest_first_with_their_waiting_time(console, organisation):
    now = timezone.now()
    for minutes, name in [(5, "Bram"), (20, "Carla"), (1, "Dirk")]:
        person = User.objects.create_user(
            f"{name.lower()}@delinde.example", first_name=name, organisation=organisation
        )
        Conversation.objects.create(person=person, created_at=now - timedelta(minutes=minutes))
    page = console.get(QUEUE).content.decode()
    assert "<title>Helpdesk: wachtrij – ZorgPortaal</title>" in page
    assert "3 wachtende gesprekken" in page
    assert page.index("Carla") < page.index("Bram") < page.index("Dirk")
    assert "20\xa0minuten" in page
    assert "Huisartsenpraktijk De Linde" in page


def test_the_queue_runs_the_same_number_of_queries_for_1_or_10_chats(
    console, organisation, django_assert_max_num_queries
):
    def add_waiting(count):
        for _ in range(count):
            person = User.objects.create_user(
                f"p{User.objects.count()}@delinde.example", organisation=organisation
            )
            Conversation.objects.create(person=person)

    add_waiting(1)
    console.get(QUEUE)
    with django_assert_max_num_queries(9) as one:  # 8, and the wait estimate
        console.get(QUEUE)
    add_waiting(9)
    with django_assert_max_num_queries(len(one.captured_queries)):
        console.get(QUEUE)


# One chat


def test_the_chat_page_shows_the_accounts_facts_but_never_the_code_or_secrets(
    console, chat, code, unverified
):
    page = console.get(page_of(chat)).content.decode()
    assert "Gesprek met Anna de Vries" in page
    for fact in [
        "anna.devries@delinde.example",
        "Huisartsenpraktijk De Linde",
        "Doktersassistent",
        "Sanne",  # the servicedesk employee who invited her
        "Authenticator-app",
        "nog 5 pogingen",
    ]:
        assert fact in page
    invitation = unverified.invitation
    assert timezone.localtime(invitation.created_at).strftime("%d-%m-%Y %H:%M") in page
    assert timezone.localtime(invitation.used_at).strftime("%d-%m-%Y %H:%M") in page
    assert CODE not in page
    assert unverified.password not in page
    assert unverified.app.encrypted_secret not in page


def test_the_chat_page_runs_a_fixed_number_of_queries(
    console, taken, code, unverified, django_assert_max_num_queries
):
    console.get(page_of(taken))
    with django_assert_max_num_queries(12) as few:
        console.get(page_of(taken))
    for number in range(10):
        services.message_send(
            conversation=taken, author=unverified, kind="person", text=f"{number}"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        console.get(page_of(taken))


def test_taking_a_chat_makes_the_agent_the_one_who_answers(console, agent, chat, unverified):
    response = console.post(f"{page_of(chat)}overnemen/")
    assert response["Location"] == page_of(chat)
    chat.refresh_from_db()
    assert chat.taken_by == agent
    page = console.get(page_of(chat)).content.decode()
    assert "U heeft dit gesprek overgenomen." in page
    assert "Overgenomen door Sanne Bakker." in page
    event = AuditEvent.objects.get(event="chat.taken")
    assert (event.actor, event.subject) == (agent, unverified)
    assert "1 wachtend gesprek" not in console.get(QUEUE).content.decode()


def test_of_two_agents_taking_one_chat_only_the_first_gets_it(console, agent, chat):
    other_agent = make_agent("joost@topicus.example", "Joost")
    other = logged_in(other_agent)
    console.post(f"{page_of(chat)}overnemen/")
    response = other.post(f"{page_of(chat)}overnemen/", follow=True)
    assert (
        "Dit gesprek is al overgenomen door een collega of gesloten." in response.content.decode()
    )
    chat.refresh_from_db()
    assert chat.taken_by == agent
    assert AuditEvent.objects.filter(event="chat.taken").count() == 1
    assert not services.conversation_take(conversation_id=chat.pk, agent=other_agent, request=None)


def test_only_the_agent_who_took_the_chat_can_write_verify_or_close(taken, code):
    other = logged_in(make_agent("joost@topicus.example", "Joost"))
    page = other.get(page_of(taken)).content.decode()
    assert "Overgenomen door Sanne Bakker; u kunt meelezen." in page
    for action, data in [
        ("bericht/", {"text": "hallo"}),
        ("verifieren/", {"verify-code": CODE}),
        ("sluiten/", {}),
    ]:
        response = other.post(page_of(taken) + action, data)
        assert response["Location"] == page_of(taken)
    taken.refresh_from_db()
    assert taken.is_open
    assert taken.person.identity_verified_at is None


def test_the_agent_answers_and_the_person_sees_it(console, taken, unverified):
    response = console.post(f"{page_of(taken)}bericht/", {"text": "Welke code ziet u?"})
    assert response["Location"] == page_of(taken) + "#bericht"
    person = logged_in(unverified)
    answer = person.get(f"/verificatie/chat/{taken.pk}/berichten/", {"na": 0}).json()
    assert "Welke code ziet u?" in answer["html"]
    assert "Sanne (helpdesk)" in answer["html"]


def test_the_agents_poller_gets_204_when_nothing_is_new(console, taken):
    last = Message.objects.filter(conversation=taken).latest("id").pk
    assert console.get(f"{page_of(taken)}berichten/", {"na": last}).status_code == 204


# Verifying in the chat


def test_the_right_code_verifies_the_person_and_closes_the_chat(
    console, agent, taken, code, unverified
):
    response = console.post(f"{page_of(taken)}verifieren/", {"verify-code": "73 95"})
    assert response["Location"] == QUEUE
    assert "Anna de Vries is geverifieerd." in console.get(QUEUE).content.decode()
    unverified.refresh_from_db()
    assert unverified.is_identity_verified
    taken.refresh_from_db()
    assert not taken.is_open
    code.refresh_from_db()
    assert code.end_reason == VerificationCode.EndReason.USED
    event = AuditEvent.objects.get(event="verification.succeeded")
    assert (event.actor, event.subject) == (agent, unverified)
    assert event.details == {"channel": "chat", "conversation": taken.pk}


def test_after_verification_the_persons_next_page_is_the_portal(console, taken, code, unverified):
    person = logged_in(unverified)
    assert person.get("/portaal/")["Location"] == "/verificatie/"
    console.post(f"{page_of(taken)}verifieren/", {"verify-code": CODE})
    assert person.get("/verificatie/")["Location"] == "/portaal/"
    assert "Anna de Vries" in person.get("/portaal/").content.decode()


def test_a_wrong_code_is_counted_and_said(console, agent, taken, code, unverified):
    response = console.post(f"{page_of(taken)}verifieren/", {"verify-code": "0000"})
    assert response.status_code == 400
    assert "De code klopt niet. Nog 4 pogingen voor deze code." in response.content.decode()
    assert 'value="0000"' not in response.content.decode()  # typed codes are not echoed
    code.refresh_from_db()
    assert code.failed_attempts == 1
    unverified.refresh_from_db()
    assert not unverified.is_identity_verified
    event = AuditEvent.objects.get(event="verification.checked")
    assert (event.actor, event.subject, event.outcome) == (agent, unverified, "failure")


def test_after_five_wrong_codes_the_code_is_replaced(console, taken, code, unverified):
    for _ in range(5):
        response = console.post(f"{page_of(taken)}verifieren/", {"verify-code": "0000"})
    assert "Na 5 onjuiste pogingen is de code vervangen" in response.content.decode()
    code.refresh_from_db()
    assert code.end_reason == VerificationCode.EndReason.TOO_MANY_FAILURES
    response = console.post(f"{page_of(taken)}verifieren/", {"verify-code": CODE})
    assert "Deze persoon heeft nu geen geldige code." in response.content.decode()
    person = logged_in(unverified)
    answer = person.get(f"/verificatie/chat/{taken.pk}/berichten/", {"na": 0}).json()
    assert "Uw verificatiecode is te vaak onjuist genoemd en daarom vervangen." in answer["html"]
    page = person.get("/verificatie/").content.decode()
    new = VerificationCode.objects.current().get(user=unverified)
    assert new.pk != code.pk
    assert f"<strong>{new.code}</strong>" in page
    unverified.refresh_from_db()
    assert not unverified.is_identity_verified


def test_a_code_that_is_not_four_digits_is_not_counted(console, taken, code):
    response = console.post(f"{page_of(taken)}verifieren/", {"verify-code": "12a"})
    assert "Een verificatiecode bestaat uit 4 cijfers." in response.content.decode()
    code.refresh_from_db()
    assert code.failed_attempts == 0


def test_an_agent_who_guesses_a_lot_must_wait(console, agent, taken, code):
    for _ in range(10):
        services.verification_code_check(
            person=None, code="0000", agent=agent, request=None, channel="phone"
        )
    response = console.post(f"{page_of(taken)}verifieren/", {"verify-code": CODE})
    assert "Te veel mislukte pogingen." in response.content.decode()
    taken.person.refresh_from_db()
    assert not taken.person.is_identity_verified


def test_the_code_is_never_in_the_audit_trail(console, taken, code):
    console.post(f"{page_of(taken)}verifieren/", {"verify-code": "1111"})
    console.post(f"{page_of(taken)}verifieren/", {"verify-code": CODE})
    events = list(AuditEvent.objects.all())
    assert {"verification.checked", "verification.succeeded"} <= {e.event for e in events}
    for event in events:
        assert CODE not in [str(value) for value in event.details.values()]


def test_closing_a_chat_takes_it_off_the_agents_list(console, taken):
    response = console.post(f"{page_of(taken)}sluiten/")
    assert response["Location"] == QUEUE
    taken.refresh_from_db()
    assert not taken.is_open
    assert "U heeft geen open gesprekken." in console.get(QUEUE).content.decode()


# The phone path


def test_the_phone_path_looks_up_and_verifies_without_a_chat(console, agent, code, unverified):
    response = console.post(PHONE, {"email": " Anna.DeVries@delinde.example", "code": CODE})
    assert response["Location"] == f"/helpdesk/account/{unverified.pk}/"
    page = console.get(response["Location"]).content.decode()
    assert "De code klopt." in page
    assert "Huisartsenpraktijk De Linde" in page
    assert CODE not in page
    response = console.post(f"/helpdesk/account/{unverified.pk}/verifieren/")
    assert response["Location"] == PHONE
    unverified.refresh_from_db()
    assert unverified.is_identity_verified
    event = AuditEvent.objects.get(event="verification.succeeded")
    assert (event.actor, event.subject, event.details["channel"]) == (agent, unverified, "phone")


def test_the_phone_path_gives_one_answer_for_a_wrong_code_or_an_unknown_address(
    console, code, unverified
):
    wrong_code = console.post(PHONE, {"email": unverified.email, "code": "0000"})
    unknown = console.post(PHONE, {"email": "niemand@delinde.example", "code": CODE})
    message = "Dit e-mailadres en deze code horen niet bij elkaar"
    assert message in wrong_code.content.decode()
    assert message in unknown.content.decode()
    code.refresh_from_db()
    assert code.failed_attempts == 1
    assert AuditEvent.objects.filter(event="verification.checked", outcome="failure").count() == 2


def test_the_account_page_needs_a_fresh_lookup(console, code, unverified):
    response = console.get(f"/helpdesk/account/{unverified.pk}/")
    assert response["Location"] == PHONE
    response = console.post(f"/helpdesk/account/{unverified.pk}/verifieren/")
    assert response["Location"] == PHONE
    unverified.refresh_from_db()
    assert not unverified.is_identity_verified


# Resets


def test_a_reset_in_the_chat_removes_the_factors_and_mails_the_person(
    console, agent, taken, code, unverified, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(f"{page_of(taken)}resetten/", {"reset-code": CODE})
    assert response["Location"] == page_of(taken)
    assert not AppDevice.objects.filter(user=unverified).exists()
    message = mail.outbox[-1]
    assert message.to == [unverified.email]
    assert message.subject == "Het authenticatiemiddel van uw Topicus Zorg Account is gereset"
    assert "kiest u een nieuw authenticatiemiddel" in message.body
    assert "https://portaal.example.nl/inloggen/" in message.body
    event = AuditEvent.objects.get(event="factor.reset_by_helpdesk")
    assert (event.actor, event.subject, event.details["device_count"]) == (agent, unverified, 1)
    assert AuditEvent.objects.filter(event="device.removed", actor=agent).count() == 1


def test_a_reset_needs_the_persons_current_code(console, taken, code, unverified):
    response = console.post(f"{page_of(taken)}resetten/", {"reset-code": "0000"})
    assert response.status_code == 400
    assert AppDevice.objects.filter(user=unverified).exists()
    assert not mail.outbox


def test_a_verified_person_who_lost_the_phone_is_reset_by_phone_and_binds_a_new_factor(
    console, person, django_capture_on_commit_callbacks
):
    caller = Client()
    caller.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    page = caller.get("/verificatie/authenticatiemiddel-kwijt/").content.decode()
    said = re.search(r"<strong>([0-9]{4})</strong>", page).group(1)

    response = console.post(PHONE, {"email": person.email, "code": said})
    account = console.get(response["Location"]).content.decode()
    assert "Authenticatiemiddel resetten" in account
    assert ">Verifiëren<" not in account  # already verified
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(f"/helpdesk/account/{person.pk}/resetten/", follow=True)
    assert "zijn verwijderd (1)" in response.content.decode()
    assert len(mail.outbox) == 1

    again = Client()
    again.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    assert again.get("/portaal/")["Location"] == "/registreren/authenticatiemiddel/"
