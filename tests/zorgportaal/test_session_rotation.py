"""A session gets a new key whenever its stage of the journey changes (issue 12, point 4).

Logging in, making the account and binding a factor rotate the key in their own request. A
stage can also change between two requests, by someone else: the helpdesk verifies the person
(HELPDESK → PORTAL), or a factor the session logged in with is removed. The gate then rotates
the key at the person's next request, so an id that was known at the lower stage never carries
the higher one, and the old id stops existing in the session store.
"""

from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client

from accounts import staff
from tests.support import GOOD_PASSWORD, log_in, unverify
from tokens.models import AppDevice
from tokens.testing import device_code
from verification import services as verification
from verification.models import Conversation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_helpdesk")]


@pytest.fixture
def waiting(client, person):
    """Anna, logged in with both factors, at the helpdesk step (not yet verified)."""
    log_in(client, unverify(person))
    assert client.get("/verificatie/").status_code == 200
    return person


def key_of(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def stored(key: str) -> bool:
    return import_module(settings.SESSION_ENGINE).SessionStore().exists(key)


def with_cookie(key: str) -> Client:
    """Another browser that sends a session id it got hold of."""
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = key
    return other


def assert_not_logged_in_with(key: str) -> None:
    assert not stored(key)
    assert with_cookie(key).get("/portaal/")["Location"].startswith("/inloggen/")


def verify(person, agent) -> None:
    code = verification.code_current(user=person)
    assert verification.person_verify(
        person=person, code=code, agent=agent, request=None, channel="phone"
    )


def test_the_helpdesk_verifying_a_person_gives_their_session_a_new_key(client, waiting, agent):
    before = key_of(client)
    verify(waiting, agent)
    response = client.get("/verificatie/")
    assert response["Location"] == "/portaal/"
    assert key_of(client) != before
    assert "Diensten" in client.get("/portaal/").content.decode()
    assert_not_logged_in_with(before)


def test_the_chat_poller_follows_the_new_key_to_the_portal(client, waiting, agent):
    client.post("/verificatie/chat/starten/")
    chat = Conversation.objects.get(person=waiting)
    before = key_of(client)
    verify(waiting, agent)
    response = client.get(f"/verificatie/chat/{chat.pk}/berichten/", {"na": 0})
    assert response.status_code == 302
    assert response["Location"] == "/portaal/"
    assert response.cookies[settings.SESSION_COOKIE_NAME].value != before
    assert client.get(f"/verificatie/chat/{chat.pk}/")["Location"] == "/portaal/"
    assert client.get("/portaal/").status_code == 200
    assert_not_logged_in_with(before)


def test_the_console_verifying_a_person_gives_their_session_a_new_key(client, waiting, console):
    client.post("/verificatie/chat/starten/")
    chat = Conversation.objects.get(person=waiting)
    console.post(f"/helpdesk/gesprek/{chat.pk}/overnemen/")
    code = verification.code_current(user=waiting).code
    before, agents_key = key_of(client), key_of(console)
    answer = console.post(f"/helpdesk/gesprek/{chat.pk}/verifieren/", {"verify-code": code})
    assert answer["Location"] == "/helpdesk/"
    assert key_of(console) == agents_key  # the agent's own stage did not change
    assert client.get("/verificatie/")["Location"] == "/portaal/"
    assert key_of(client) != before
    assert_not_logged_in_with(before)


def test_staff_verified_by_an_administrator_get_a_new_key(agent):
    unverify(agent)  # staff made in the admin wait for an administrator
    employee = Client()
    log_in(employee, agent)
    assert employee.get("/portaal/")["Location"] == "/verificatie/"
    before = key_of(employee)
    administrator = type(agent).objects.create_superuser("beheer@topicus.example", GOOD_PASSWORD)
    assert staff.staff_identity_verify(staff=agent, administrator=administrator, reason="gezien")
    assert employee.get("/portaal/").status_code == 200
    assert key_of(employee) != before
    assert_not_logged_in_with(before)


def test_removing_the_factor_the_session_logged_in_with_asks_for_a_code_on_a_new_key(
    client, person
):
    second = AppDevice.objects.create(user=person, name="Tweede app", confirmed=True)
    log_in(client, person)
    response = client.post(f"/mijn-account/verwijderen/{person.app.persistent_id}/")
    assert response["Location"] == "/inloggen/code/"
    before = key_of(client)
    assert client.get("/mijn-account/")["Location"] == "/inloggen/code/"
    assert key_of(client) != before
    assert_not_logged_in_with(before)
    code = {"device": second.persistent_id, "code": device_code(second)}
    assert client.post("/inloggen/code/", code)["Location"] == "/mijn-account/"


def test_a_helpdesk_reset_leaves_the_old_key_nothing_to_log_in_with(client, person, agent):
    log_in(client, person)
    before = key_of(client)
    code = verification.code_current(user=person)
    verification.factors_reset(person=person, code=code, agent=agent, request=None, channel="phone")
    assert client.get("/portaal/")["Location"].startswith("/inloggen/")
    assert_not_logged_in_with(before)


def test_steps_that_rotate_themselves_are_not_rotated_again_at_the_next_page(client, person):
    log_in(client, person)
    after_code = key_of(client)
    assert client.get("/portaal/").status_code == 200
    assert client.get("/mijn-account/").status_code == 200
    assert key_of(client) == after_code


def test_binding_the_first_factor_rotates_once(registered_client):
    registered_client.get("/registreren/app/")
    device = AppDevice.objects.get(user=registered_client.user, confirmed=False)
    answer = registered_client.post("/registreren/app/", {"code": device_code(device)})
    assert answer["Location"] == "/registreren/klaar/"
    bound = key_of(registered_client)
    assert registered_client.get("/registreren/klaar/").status_code == 200
    assert registered_client.get("/verificatie/").status_code == 200
    assert key_of(registered_client) == bound
