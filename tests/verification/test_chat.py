"""The person's chat with the helpdesk: starting, sending, polling, and what stays private."""

import pytest
from django.db import IntegrityError

from accounts.models import User
from tests.support import GOOD_PASSWORD, log_in, logged_in, with_app
from verification import services
from verification.models import Conversation, Message, VerificationCode
from zorgportaal.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_helpdesk")]

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch", "HTTP_ACCEPT": "application/json"}


@pytest.fixture
def chat(client, unverified):
    """Anna, logged in, in a chat she just started; returns the conversation."""
    log_in(client, unverified)
    response = client.post("/verificatie/chat/starten/")
    conversation = Conversation.objects.get(person=unverified)
    assert response["Location"] == f"/verificatie/chat/{conversation.pk}/"
    return conversation


def urls(conversation):
    base = f"/verificatie/chat/{conversation.pk}/"
    return base, base + "bericht/", base + "berichten/"


def test_starting_a_chat_opens_it_and_audits_it(client, chat, unverified):
    page = client.get(urls(chat)[0]).content.decode()
    assert "<title>Chat met de helpdesk – ZorgPortaal</title>" in page
    assert "Zodra een medewerker van de helpdesk het gesprek aanneemt" in page
    assert 'role="log"' in page
    assert 'aria-live="polite"' in page
    assert '<script src="/static/js/chat.js" defer></script>' in page
    event = AuditEvent.objects.get(event="chat.started")
    assert event.subject == unverified
    assert event.details == {"conversation": chat.pk}


def test_starting_again_keeps_the_one_open_chat(client, chat):
    response = client.post("/verificatie/chat/starten/")
    assert response["Location"] == urls(chat)[0]
    assert Conversation.objects.count() == 1


def test_the_database_allows_one_open_chat_per_person(chat, unverified):
    with pytest.raises(IntegrityError):
        Conversation.objects.create(person=unverified)


def test_a_sent_message_shows_on_the_page_after_the_redirect(client, chat):
    page_url, send_url, _poll = urls(chat)
    response = client.post(send_url, {"text": "Goedemorgen, mijn code is 1234"})
    assert response["Location"] == page_url + "#bericht"
    page = client.get(page_url).content.decode()
    assert "Goedemorgen, mijn code is 1234" in page
    assert Message.objects.get(conversation=chat).kind == Message.Kind.PERSON


def test_messages_are_plain_text_and_shown_escaped(client, chat):
    page_url, send_url, poll_url = urls(chat)
    client.post(send_url, {"text": "<script>alert('hoi')</script>\n<b>vet</b>"})
    page = client.get(page_url).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;hoi&#x27;)&lt;/script&gt;<br>&lt;b&gt;vet&lt;/b&gt;" in page
    html = client.get(poll_url, {"na": 0}).json()["html"]
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_a_message_longer_than_2000_characters_is_refused(client, chat):
    page_url, send_url, _poll = urls(chat)
    response = client.post(send_url, {"text": "a" * 2001})
    assert response.status_code == 400
    assert "Een bericht is hoogstens 2000 tekens; u typte er 2001." in response.content.decode()
    assert not Message.objects.exists()
    assert client.post(send_url, {"text": "a" * 2000}).status_code == 302
    assert 'maxlength="2000"' in client.get(page_url).content.decode()


def test_an_empty_message_is_refused_with_a_hint(client, chat):
    response = client.post(urls(chat)[1], {"text": "   "}, **FETCH)
    assert response.status_code == 400
    assert response.json() == {"errors": ["Typ eerst een bericht."]}


def test_a_person_can_send_20_messages_a_minute_and_no_more(client, chat):
    send_url = urls(chat)[1]
    for number in range(20):
        assert client.post(send_url, {"text": f"bericht {number}"}, **FETCH).status_code == 204
    response = client.post(send_url, {"text": "nog een"}, **FETCH)
    assert response.status_code == 429
    assert response.json()["errors"] == [
        "U verstuurt te veel berichten achter elkaar. Wacht een minuut en probeer het dan opnieuw."
    ]
    page = client.post(send_url, {"text": "zonder javascript"})
    assert page.status_code == 429
    assert "U verstuurt te veel berichten achter elkaar." in page.content.decode()
    assert Message.objects.count() == 20


def test_the_poller_gets_204_when_nothing_is_new(client, chat):
    _page, send_url, poll_url = urls(chat)
    assert client.get(poll_url, {"na": 0}).status_code == 204
    client.post(send_url, {"text": "Hallo"})
    last = Message.objects.get().pk
    assert client.get(poll_url, {"na": last}).status_code == 204


def test_an_empty_poll_costs_four_queries_with_the_session(
    client, chat, django_assert_max_num_queries
):
    poll_url = urls(chat)[2]
    client.get(poll_url, {"na": 0})  # the session's "last seen" write happens at most once a minute
    with django_assert_max_num_queries(4) as captured:
        assert client.get(poll_url, {"na": 0}).status_code == 204
    own = [query for query in captured.captured_queries if "verification_" in query["sql"]]
    assert len(own) == 1


def test_the_poller_gets_only_the_new_lines_with_the_last_id(client, chat, unverified):
    _page, send_url, poll_url = urls(chat)
    client.post(send_url, {"text": "eerste"})
    first = Message.objects.get().pk
    client.post(send_url, {"text": "tweede"})
    answer = client.get(poll_url, {"na": first}).json()
    assert "tweede" in answer["html"]
    assert "eerste" not in answer["html"]
    assert answer["last_id"] == Message.objects.latest("id").pk
    assert answer["closed"] is False


def test_the_poll_tells_the_page_when_an_agent_takes_the_chat(client, chat, agent):
    services.conversation_take(conversation_id=chat.pk, agent=agent, request=None)
    answer = client.get(urls(chat)[2], {"na": 0}).json()
    assert "Sanne van de helpdesk helpt u verder." in answer["html"]
    assert "sanne@topicus.example" not in answer["html"]


def test_the_poll_answers_never_hold_the_code(client, chat, unverified, agent):
    code = services.code_current(user=unverified)
    VerificationCode.objects.filter(pk=code.pk).update(code="7395")
    services.conversation_take(conversation_id=chat.pk, agent=agent, request=None)
    services.message_send(conversation=chat, author=agent, kind="agent", text="Welke code ziet u?")
    answer = client.get(urls(chat)[2], {"na": 0})
    assert "7395" not in answer.content.decode()


def test_a_bad_poll_position_is_a_400(client, chat):
    assert client.get(urls(chat)[2], {"na": "abc"}).status_code == 400


def test_a_person_cannot_open_read_or_write_in_another_persons_chat(chat):
    bram = with_app(User.objects.create_user("bram@delinde.example", GOOD_PASSWORD))
    other = logged_in(bram)
    page_url, send_url, poll_url = urls(chat)
    assert other.get(page_url).status_code == 404
    assert other.get(poll_url, {"na": 0}).status_code == 404
    assert other.post(send_url, {"text": "ik lees mee"}).status_code == 404
    assert not Message.objects.exists()


def test_once_verified_the_poll_is_sent_on_and_the_next_page_is_the_portal(
    client, chat, unverified, agent
):
    code = services.code_current(user=unverified)
    assert services.person_verify(
        person=unverified, code=code, agent=agent, request=None, channel="chat"
    )
    response = client.get(urls(chat)[2], {"na": 0})
    assert response.status_code == 302
    assert response["Location"] == "/portaal/"
    assert client.get("/verificatie/")["Location"] == "/portaal/"
    assert client.get("/portaal/").status_code == 200


def test_a_closed_chat_shows_its_lines_without_a_form_or_poller(client, chat, agent):
    services.conversation_take(conversation_id=chat.pk, agent=agent, request=None)
    services.conversation_close(conversation=chat, agent=agent, request=None)
    page = client.get(urls(chat)[0]).content.decode()
    assert "Dit gesprek is beëindigd." in page
    assert "De helpdesk heeft het gesprek beëindigd." in page
    assert "data-poll-url" not in page
    assert "<textarea" not in page
    assert client.post(urls(chat)[1], {"text": "hallo?"}).status_code == 409
    page = client.get("/verificatie/").content.decode()
    assert "Klik hier om de chat te starten" in page


@pytest.mark.parametrize(
    ("event", "person_reads", "agent_reads"),
    [
        ("taken", "Sanne van de helpdesk helpt u verder.", "Overgenomen door Sanne Bakker."),
        ("verified", "Uw account is geverifieerd.", "Geverifieerd door Sanne Bakker."),
        ("closed", "De helpdesk heeft het gesprek beëindigd.", "Gesloten door Sanne Bakker."),
        ("code_replaced", "Vernieuw de pagina", "na 5 onjuiste pogingen vervangen"),
    ],
)
def test_a_system_line_says_its_event_to_the_person_and_to_the_agent(
    event, person_reads, agent_reads
):
    sanne = User(email="sanne@topicus.example", first_name="Sanne", last_name="Bakker")
    line = Message(kind=Message.Kind.SYSTEM, event=event, author=sanne)
    assert person_reads in line.event_text("person")
    assert agent_reads in line.event_text("agent")


def test_a_system_line_without_its_agent_names_a_staff_member_or_the_system():
    line = Message(kind=Message.Kind.SYSTEM, event=Message.Event.TAKEN, author=None)
    assert line.event_text("person") == "Een medewerker van de helpdesk helpt u verder."
    assert line.event_text("agent") == "Overgenomen door het systeem."
