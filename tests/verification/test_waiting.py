"""Waiting for the helpdesk: the page that moves on by itself, the place in the queue and the
expected wait, closing time, and the empty poll that costs no SQL (issue 15, 2, 3 and 13)."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client

from accounts.models import User
from tests.own_redis import use_tolerant_redis
from tests.support import GOOD_PASSWORD, log_in, logged_in, with_app
from verification import services, versions
from verification.models import Conversation, Message
from verification.opening_hours import AMSTERDAM, OpeningHours
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch", "HTTP_ACCEPT": "application/json"}
# Monday 12 January 2026 in Amsterdam; the default hours are mon-fri 08:30-17:00.
MONDAY = datetime(2026, 1, 12, tzinfo=AMSTERDAM)


def at(day: datetime, clock: str) -> datetime:
    hours, minutes = map(int, clock.split(":"))
    return day.replace(hour=hours, minute=minutes)


def poll_url(conversation) -> str:
    return f"/verificatie/chat/{conversation.pk}/berichten/"


def poll(client, conversation, *, after=0, version=""):
    return client.get(poll_url(conversation), {"na": after, "v": version}, **FETCH)


def start_chat(client, person) -> Conversation:
    log_in(client, person)
    response = client.post("/verificatie/chat/starten/")
    assert response.status_code == 302, response
    return Conversation.objects.open().get(person=person)


def waiting_person(email: str, organisation) -> User:
    return with_app(User.objects.create_user(email, GOOD_PASSWORD, organisation=organisation))


@pytest.fixture
def shared_cache(monkeypatch):
    """A cache the pollers' stamps may use, as Redis is in production (one process here)."""
    cache = LocMemCache("stamps", {})
    monkeypatch.setattr(versions, "shared_cache", lambda: cache)
    return cache


# The verification page moves on by itself


def test_the_verification_page_asks_whether_it_may_move_on_and_says_so_without_javascript(
    client, unverified, open_helpdesk
):
    log_in(client, unverified)
    page = client.get("/verificatie/").content.decode()
    assert 'data-poll-url="/verificatie/status/"' in page
    assert '<script src="/static/js/verification.js" defer></script>' in page
    assert "Dan gaat deze pagina daarna vanzelf verder." in page
    assert "<noscript>" in page
    assert 'Heeft de helpdesk u telefonisch geverifieerd? <a href="/verificatie/">' in page


def test_the_status_poll_is_204_while_waiting_without_a_query_of_its_own(
    client, unverified, django_assert_max_num_queries
):
    log_in(client, unverified)
    client.get("/verificatie/status/", **FETCH)  # the session's "last seen" is written once
    with django_assert_max_num_queries(3) as captured:
        assert client.get("/verificatie/status/", **FETCH).status_code == 204
    assert not [q for q in captured.captured_queries if "verification_" in q["sql"]]


def test_after_a_phone_verification_the_status_poll_sends_the_page_to_the_portal(
    client, unverified, agent
):
    log_in(client, unverified)
    code = services.code_current(user=unverified)
    assert services.person_verify(
        person=unverified, code=code, agent=agent, request=None, channel="phone"
    )
    response = client.get("/verificatie/status/", **FETCH)
    assert response.status_code == 302
    assert response["Location"] == "/portaal/"
    assert client.get("/verificatie/")["Location"] == "/portaal/"


def test_the_status_poll_sends_a_logged_out_browser_to_the_login(client):
    response = client.get("/verificatie/status/", **FETCH)
    assert response.status_code == 302
    assert response["Location"].startswith("/inloggen/")


def test_the_status_poll_takes_no_post(client, unverified):
    log_in(client, unverified)
    assert client.post("/verificatie/status/").status_code == 405


# The place in the queue and the expected wait


def test_a_waiting_person_sees_their_place_in_the_queue(
    client, unverified, organisation, open_helpdesk
):
    bram = waiting_person("bram@delinde.example", organisation)
    start_chat(Client(), bram)
    conversation = start_chat(client, unverified)
    page = client.get(f"/verificatie/chat/{conversation.pk}/").content.decode()
    assert 'id="chat-queue" role="status"' in page
    assert "U bent nummer 2 in de wachtrij." in page


def test_the_poll_tells_a_waiting_person_their_new_place_when_someone_ahead_is_taken(
    client, unverified, organisation, agent, open_helpdesk, django_capture_on_commit_callbacks
):
    bram = waiting_person("bram@delinde.example", organisation)
    ahead = start_chat(Client(), bram)
    conversation = start_chat(client, unverified)
    first = poll(client, conversation).json()
    assert "U bent nummer 2 in de wachtrij." in first["queue"]
    assert poll(client, conversation, version=first["version"]).status_code == 204

    with django_capture_on_commit_callbacks(execute=True):  # with Redis: the stamps go
        services.conversation_take(conversation_id=ahead.pk, agent=agent, request=None)

    answer = poll(client, conversation, version=first["version"]).json()
    assert "U bent nummer 1 in de wachtrij." in answer["queue"]
    assert answer["html"] == ""
    assert answer["version"] != first["version"]
    assert poll(client, conversation, version=answer["version"]).status_code == 204


def test_once_taken_the_poll_says_nothing_more_about_the_queue(
    client, unverified, agent, open_helpdesk
):
    conversation = start_chat(client, unverified)
    services.conversation_take(conversation_id=conversation.pk, agent=agent, request=None)
    answer = poll(client, conversation).json()
    assert "Sanne van de helpdesk helpt u verder." in answer["html"]
    assert answer["queue"].strip() == ""
    page = client.get(f"/verificatie/chat/{conversation.pk}/").content.decode()
    assert "in de wachtrij" not in page


def taken_today(organisation, agent, waits_in_minutes, *, now):
    for n, minutes in enumerate(waits_in_minutes):
        person = User.objects.create_user(f"eerder{n}@delinde.example", organisation=organisation)
        started = now - timedelta(hours=1)
        Conversation.objects.create(
            person=person,
            created_at=started,
            taken_by=agent,
            taken_at=started + timedelta(minutes=minutes),
            closed_at=now - timedelta(minutes=1),
        )


def test_the_expected_wait_is_the_median_wait_of_the_chats_taken_today(
    client, unverified, organisation, agent, open_helpdesk
):
    now = at(MONDAY, "11:00")
    with time_machine.travel(now, tick=False):
        taken_today(organisation, agent, [2, 4, 10], now=now)
        yesterday = User.objects.create_user("gisteren@delinde.example", organisation=organisation)
        Conversation.objects.create(
            person=yesterday,
            created_at=now - timedelta(days=1),
            taken_by=agent,
            taken_at=now - timedelta(days=1) + timedelta(minutes=50),
            closed_at=now - timedelta(days=1, minutes=-55),
        )
        assert services.wait_estimate(now=now) == timedelta(minutes=4)
        conversation = start_chat(client, unverified)
        page = client.get(f"/verificatie/chat/{conversation.pk}/").content.decode()
    assert "Verwachte wachttijd: ongeveer 4 minuten." in page
    assert "Zo lang duurde het vandaag meestal voordat een medewerker een chat aannam." in page


def test_a_wait_under_half_a_minute_is_said_as_less_than_a_minute(
    client, unverified, organisation, agent, open_helpdesk
):
    now = at(MONDAY, "11:00")
    with time_machine.travel(now, tick=False):
        taken_today(organisation, agent, [0.4], now=now)
        conversation = start_chat(client, unverified)
        queue = poll(client, conversation).json()["queue"]
    assert "Verwachte wachttijd: minder dan een minuut." in queue


def test_before_the_first_chat_of_the_day_is_taken_no_wait_is_guessed(
    client, unverified, open_helpdesk
):
    conversation = start_chat(client, unverified)
    queue = poll(client, conversation).json()["queue"]
    assert "U bent nummer 1 in de wachtrij." in queue
    assert "Verwachte wachttijd" not in queue


def test_the_console_shows_agents_the_wait_the_people_are_told(organisation, agent, open_helpdesk):
    now = at(MONDAY, "11:00")
    with time_machine.travel(now, tick=False):
        taken_today(organisation, agent, [3, 5, 7], now=now)
        page = logged_in(agent).get("/helpdesk/").content.decode()
    assert "Wachtenden zien als verwachte wachttijd: ongeveer 5 minuten" in page


# Closing time: the chats still waiting are closed, each with a line saying when we open again


def test_at_closing_time_a_waiting_person_reads_that_the_helpdesk_closed_and_when_it_opens(
    client, unverified
):
    with time_machine.travel(at(MONDAY, "16:55"), tick=False) as traveller:
        conversation = start_chat(client, unverified)
        first = poll(client, conversation).json()
        traveller.move_to(at(MONDAY, "17:01"))
        answer = poll(client, conversation, version=first["version"]).json()
        start_page = client.get("/verificatie/").content.decode()
    assert answer["closed"] is True
    assert (
        "De helpdesk is nu gesloten en heeft uw chat daarom beëindigd. We zijn weer bereikbaar: "
        "morgen om 08:30. Start dan een nieuwe chat." in answer["html"]
    )
    conversation.refresh_from_db()
    assert conversation.closed_at == at(MONDAY, "17:00")  # when it closed, when noticed
    line = Message.objects.get(conversation=conversation)
    assert line.event == Message.Event.CLOSING_TIME
    assert line.created_at == at(MONDAY, "17:00")
    event = AuditEvent.objects.get(event="chat.closed")
    assert event.subject == unverified
    assert event.actor is None
    assert event.details == {"conversation": conversation.pk, "reason": "closing_time"}
    assert "De chat is gesloten" in start_page
    assert "Verder met het chatgesprek" not in start_page


def test_a_poll_whose_stamps_still_match_goes_to_the_database_once_closing_time_came(
    client, unverified, shared_cache
):
    with time_machine.travel(at(MONDAY, "16:55"), tick=False) as traveller:
        conversation = start_chat(client, unverified)
        version = poll(client, conversation).json()["version"]
        assert version.split("~")[0].split(".")[2] == str(int(at(MONDAY, "17:00").timestamp()))
        assert poll(client, conversation, version=version).status_code == 204
        traveller.move_to(at(MONDAY, "17:00"))
        assert poll(client, conversation, version=version).json()["closed"] is True


def test_a_chat_an_agent_has_taken_stays_open_after_closing_time(client, unverified, agent):
    with time_machine.travel(at(MONDAY, "16:55"), tick=False) as traveller:
        conversation = start_chat(client, unverified)
        services.conversation_take(conversation_id=conversation.pk, agent=agent, request=None)
        traveller.move_to(at(MONDAY, "17:05"))
        answer = poll(client, conversation).json()
        assert services.conversations_close_at_closing() == (0, 0)
    assert answer["closed"] is False
    conversation.refresh_from_db()
    assert conversation.is_open


def test_the_chat_page_after_closing_time_shows_the_closed_chat_and_its_last_line(
    client, unverified
):
    with time_machine.travel(at(MONDAY, "16:59"), tick=False) as traveller:
        conversation = start_chat(client, unverified)
        traveller.move_to(at(MONDAY, "17:00"))
        page = client.get(f"/verificatie/chat/{conversation.pk}/").content.decode()
    assert "Dit gesprek is beëindigd." in page
    assert "We zijn weer bereikbaar: morgen om 08:30." in page
    assert "data-poll-url" not in page


def test_the_worker_closes_the_chats_waiting_at_closing_time(unverified, organisation):
    bram = waiting_person("bram@delinde.example", organisation)
    with time_machine.travel(at(MONDAY, "16:00"), tick=False) as traveller:
        services.conversation_start(person=unverified, request=None)
        services.conversation_start(person=bram, request=None)
        assert services.conversations_close_at_closing() == (0, 0)
        traveller.move_to(at(MONDAY, "17:00"))
        assert services.conversations_close_at_closing() == (2, 2)
        assert services.conversations_close_at_closing() == (0, 0)
    assert not Conversation.objects.open().exists()
    assert Message.objects.filter(event=Message.Event.CLOSING_TIME).count() == 2


def test_after_closing_time_the_console_says_the_waiting_chats_were_closed(unverified, agent):
    with time_machine.travel(at(MONDAY, "16:30"), tick=False) as traveller:
        conversation = services.conversation_start(person=unverified, request=None)
        traveller.move_to(at(MONDAY, "18:00"))
        console = logged_in(agent)
        page = console.get("/helpdesk/").content.decode()
        chat = console.get(f"/helpdesk/gesprek/{conversation.pk}/").content.decode()
    assert "De chat is nu gesloten: wie bij sluitingstijd nog wachtte" in page
    assert "We zijn weer bereikbaar: morgen om 08:30." in page
    assert "0 wachtende gesprekken" in page
    assert "Gesloten bij sluitingstijd: de persoon wachtte nog. Weer open: morgen om 08:30." in chat


def test_next_morning_the_console_closes_what_waited_since_yesterday(unverified, agent):
    with time_machine.travel(at(MONDAY, "16:30"), tick=False) as traveller:
        conversation = services.conversation_start(person=unverified, request=None)
        traveller.move_to(at(MONDAY, "09:00") + timedelta(days=1))
        page = logged_in(agent).get("/helpdesk/").content.decode()
    assert "De chat is nu open." in page
    assert "0 wachtende gesprekken" in page
    conversation.refresh_from_db()
    assert conversation.closed_at == at(MONDAY, "17:00")
    line = Message.objects.get(conversation=conversation)
    assert "We zijn weer bereikbaar: morgen om 08:30." in line.event_text("person")


def test_a_line_sent_after_closing_time_is_refused_as_the_chat_has_closed(client, unverified):
    with time_machine.travel(at(MONDAY, "16:59"), tick=False) as traveller:
        conversation = start_chat(client, unverified)
        traveller.move_to(at(MONDAY, "17:02"))
        response = client.post(
            f"/verificatie/chat/{conversation.pk}/bericht/", {"text": "Hallo?"}, **FETCH
        )
    assert response.status_code == 409
    assert response.json() == {"errors": ["Dit gesprek is beëindigd."]}
    assert not Message.objects.filter(kind="person").exists()


def test_a_chat_waiting_overnight_that_nobody_looked_at_closes_when_the_person_comes_back(
    client, unverified
):
    with time_machine.travel(at(MONDAY, "16:30"), tick=False) as traveller:
        conversation = services.conversation_start(person=unverified, request=None)
        traveller.move_to(at(MONDAY, "09:00") + timedelta(days=1))
        log_in(client, unverified)
        page = client.get("/verificatie/").content.decode()
        answer = poll(client, conversation).json()
    assert "Klik hier om de chat te starten" in page
    assert answer["closed"] is True


@pytest.mark.parametrize(
    ("spec", "moment", "closes"),
    [
        ("mon-fri 08:30-17:00", "10:00", "17:00"),  # open now: at the end of the day
        ("mon-fri 08:30-17:00", "07:00", "07:00"),  # closed now: now
        ("mon-fri 08:30-12:00, mon-fri 13:00-17:00", "11:00", "12:00"),  # the lunch break
        ("mon-sun 00:00-24:00", "10:00", None),  # midnight is no closing
        ("mon 00:00-24:00, tue 00:00-06:00", "10:00", "06:00+1"),  # across midnight
    ],
)
def test_the_next_closing_joins_ranges_that_touch(spec, moment, closes):
    hours = OpeningHours.parse(spec, "")
    now = at(MONDAY, moment)
    found = hours.next_closing(now, until=now + timedelta(days=3))
    if closes is None:
        assert found is None
    else:
        clock, _, days = closes.partition("+")
        assert found == at(MONDAY, clock) + timedelta(days=int(days or 0))


def test_the_next_closing_of_an_always_open_helpdesk_stops_at_a_public_holiday():
    hours = OpeningHours.parse("mon-sun 00:00-24:00", "NL")
    found = hours.next_closing(datetime(2026, 12, 20, 12, 0, tzinfo=AMSTERDAM))
    assert found == datetime(2026, 12, 25, 0, 0, tzinfo=AMSTERDAM)


# The empty poll: no SQL while the stamps in the cache are what the poller saw


def test_an_empty_poll_with_current_stamps_runs_no_query_of_its_own(
    client, unverified, shared_cache, open_helpdesk, django_assert_max_num_queries
):
    conversation = start_chat(client, unverified)
    version = poll(client, conversation).json()["version"]
    with django_assert_max_num_queries(3) as captured:
        assert poll(client, conversation, version=version).status_code == 204
    assert not [q for q in captured.captured_queries if "verification_" in q["sql"]]


def test_a_new_line_replaces_the_stamp_so_the_next_poll_gets_it(
    client, unverified, agent, shared_cache, open_helpdesk, django_capture_on_commit_callbacks
):
    conversation = start_chat(client, unverified)
    services.conversation_take(conversation_id=conversation.pk, agent=agent, request=None)
    first = poll(client, conversation).json()
    last = first["last_id"]
    assert poll(client, conversation, after=last, version=first["version"]).status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(
            conversation=conversation, author=agent, kind="agent", text="Welke code ziet u?"
        )
    answer = poll(client, conversation, after=last, version=first["version"]).json()
    assert "Welke code ziet u?" in answer["html"]
    assert (
        poll(client, conversation, after=answer["last_id"], version=answer["version"]).status_code
        == 204
    )


def test_an_emptied_cache_makes_the_poll_read_the_database(
    client, unverified, agent, shared_cache, open_helpdesk
):
    conversation = start_chat(client, unverified)
    services.conversation_take(conversation_id=conversation.pk, agent=agent, request=None)
    first = poll(client, conversation).json()
    shared_cache.clear()
    Message.objects.create(conversation=conversation, kind="agent", author=agent, text="Hallo")
    # (no commit in this test's transaction: the stamp stays deleted only by the clear)
    answer = poll(client, conversation, after=first["last_id"], version=first["version"]).json()
    assert "Hallo" in answer["html"]


def test_a_forged_version_earns_nothing_but_a_204_and_another_persons_chat_stays_404(
    client, unverified, organisation, shared_cache, open_helpdesk
):
    conversation = start_chat(client, unverified)
    version = poll(client, conversation).json()["version"]
    bram = logged_in(waiting_person("bram@delinde.example", organisation))
    assert bram.get(poll_url(conversation), {"na": 0, "v": "None"}, **FETCH).status_code == 404
    assert bram.get(poll_url(conversation), {"na": 0, "v": "x.y.z"}, **FETCH).status_code == 404
    # Bram's only way to a 204 is the stamp itself: it says "nothing new" and nothing more.
    assert bram.get(poll_url(conversation), {"na": 0, "v": version}, **FETCH).status_code == 204


def test_without_a_shared_cache_every_poll_reads_the_database_and_is_still_204_when_nothing_changed(
    client, unverified, open_helpdesk, django_assert_max_num_queries, settings
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    conversation = start_chat(client, unverified)
    version = poll(client, conversation).json()["version"]
    assert version == "~1-None"
    with django_assert_max_num_queries(6) as captured:
        assert poll(client, conversation, version=version).status_code == 204
    assert [q for q in captured.captured_queries if "verification_" in q["sql"]]


@pytest.mark.django_db(transaction=True)
def test_with_redis_the_empty_poll_needs_no_sql_and_a_redis_outage_falls_back_to_it(
    settings, own_redis, unverified, agent, open_helpdesk, django_assert_max_num_queries
):
    use_tolerant_redis(settings, own_redis.url, breaker_seconds=0)
    client = Client()
    conversation = start_chat(client, unverified)
    services.conversation_take(conversation_id=conversation.pk, agent=agent, request=None)
    first = poll(client, conversation).json()
    after, version = first["last_id"], first["version"]
    with django_assert_max_num_queries(3) as captured:
        assert poll(client, conversation, after=after, version=version).status_code == 204
    assert not [q for q in captured.captured_queries if "verification_" in q["sql"]]

    own_redis.kill()
    services.message_send(conversation=conversation, author=agent, kind="agent", text="Nog daar?")
    answer = poll(client, conversation, after=after, version=version).json()
    assert "Nog daar?" in answer["html"]
    assert answer["version"] == "~"
