"""Real parallel transactions: one chat has one agent, one code verifies once, one code per person.

SQLite runs one writer at a time, so these run on PostgreSQL only:
DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
    .venv/bin/pytest tests/verification/test_concurrency.py
"""

import pytest
from django.db import connection

from accounts.models import User
from tests.support import at_once
from verification import services
from verification.models import Conversation, Message, VerificationCode
from zorgportaal.models import AuditEvent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL for parallel transactions"
    ),
]


@pytest.fixture
def agents():
    return [
        User.objects.create_user(f"agent{n}@topicus.example", "x", is_staff=True) for n in range(4)
    ]


@pytest.fixture
def person():
    return User.objects.create_user("anna@delinde.example", "x")


def test_two_agents_taking_one_chat_at_the_same_moment_exactly_one_wins(agents, person):
    conversation = Conversation.objects.create(person=person)

    def take(agent):
        return lambda: services.conversation_take(
            conversation_id=conversation.pk, agent=agent, request=None
        )

    results = at_once(take(agents[0]), take(agents[1]))
    assert sorted(results) == [False, True]
    conversation.refresh_from_db()
    winner = agents[results.index(True)]
    assert conversation.taken_by == winner
    assert Message.objects.filter(conversation=conversation, event="taken").count() == 1
    assert AuditEvent.objects.filter(event="chat.taken").count() == 1


def test_four_agents_verifying_with_one_code_at_once_verify_once(agents, person):
    code = services.code_current(user=person)

    def verify(agent):
        def attempt():
            check = services.verification_code_check(
                person=person, code=code.code, agent=agent, request=None, channel="phone"
            )
            return check.right and services.person_verify(
                person=person, code=check.code, agent=agent, request=None, channel="phone"
            )

        return attempt

    results = at_once(*[verify(agent) for agent in agents])
    assert sorted(results) == [False, False, False, True]
    assert AuditEvent.objects.filter(event="verification.succeeded").count() == 1


def test_wrong_codes_at_once_are_all_counted(agents, person):
    code = services.code_current(user=person)
    wrong = "0000" if code.code != "0000" else "1111"

    def guess(agent):
        return lambda: (
            services.verification_code_check(
                person=person, code=wrong, agent=agent, request=None, channel="phone"
            ).outcome
        )

    assert at_once(*[guess(agent) for agent in agents]) == ["wrong"] * 4
    code.refresh_from_db()
    assert code.failed_attempts == 4


def test_two_tabs_asking_for_a_code_at_once_get_the_same_one(person):
    results = at_once(*[lambda: services.code_current(user=person).pk] * 4)
    assert len(set(results)) == 1
    assert VerificationCode.objects.filter(user=person).count() == 1


def test_a_double_click_on_start_chat_opens_one_chat(person, open_helpdesk):
    results = at_once(*[lambda: services.conversation_start(person=person, request=None).pk] * 3)
    assert len(set(results)) == 1
    assert Conversation.objects.filter(person=person).count() == 1
