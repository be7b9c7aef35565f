"""A helpdesk agent guessing people's 4-digit codes (issue 12, point 2).

The attack: an agent guesses a person's code on the phone page and, between guesses, checks a
code that is right (their own, fetched on the lost-factor page after the password, or a
colleague's) to wipe the count. Every check counts, right or wrong, on the audit trail, which
nothing resets; each test walks the sequence and looks at what the agent sees and what the
trail holds.
"""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import User
from tests.support import GOOD_PASSWORD, at_once, make_agent
from verification import services
from verification.models import CODE_DIGITS, VerificationCode
from zorgportaal.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_helpdesk")]

PHONE = "/helpdesk/telefonisch/"
WRONG_PAIR = "Dit e-mailadres en deze code horen niet bij elkaar"
OWN_ACCOUNT = "U kunt uw eigen account niet zelf controleren"
VICTIM_CODE = "9999"  # the guesses below count up from 0000 and never reach it


@pytest.fixture(autouse=True)
def codes_that_are_never_guessed(monkeypatch):
    """Every new code is 9999, so a guess can never be right by luck: the tests count guesses."""
    monkeypatch.setattr(services, "new_code", lambda: VICTIM_CODE)


@pytest.fixture
def agent(db):
    """Sanne of the central servicedesk: serves everyone, her own account included (the
    `console` fixture logs her in)."""
    return make_agent()


@pytest.fixture
def colleague():
    """Joost, another agent, whose current code Sanne knows (he read it out to her)."""
    joost = make_agent("joost@topicus.example", "Joost")
    services.code_current(user=joost)
    return joost


@pytest.fixture
def victim(person):
    services.code_current(user=person)
    return person


def own_code_from_the_lost_factor_page(agent) -> str:
    """What any agent can read after only the password: "Authenticatiemiddel kwijt?"."""
    client = Client()
    client.post("/inloggen/", {"email": agent.email, "password": GOOD_PASSWORD})
    page = client.get("/verificatie/authenticatiemiddel-kwijt/").content.decode()
    assert f"<strong>{VICTIM_CODE}</strong>" in page
    return VICTIM_CODE


def answer(response) -> str:
    """What the agent sees: the account page ("right"), or which message on the phone page."""
    if response.status_code == 302:
        return "right"
    text = response.content.decode()
    for seen, said in [("wrong", WRONG_PAIR), ("own", OWN_ACCOUNT), ("wait", "Probeer het over")]:
        if said in text:
            return seen
    raise AssertionError(text)


def alternate(console, victim, *, then: dict, pairs: int, seconds_apart: int = 0) -> list[str]:
    """The attack: a guess at the victim's code, then a check meant to clear the count."""
    answers = []
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for guess in range(pairs):
            response = console.post(PHONE, {"email": victim.email, "code": f"{guess:04d}"})
            answers.append(answer(response))
            answers.append(answer(console.post(PHONE, then)))
            clock.shift(seconds_apart)
    return answers


def checks_made(answers) -> int:
    return sum(seen != "wait" for seen in answers)


# (a) Right checks between the guesses no longer clear anything


def test_an_agent_alternating_guesses_with_their_own_code_gets_no_more_than_the_hours_budget(
    console, agent, victim
):
    own = {"email": agent.email, "code": own_code_from_the_lost_factor_page(agent)}
    answers = alternate(console, victim, then=own, pairs=90, seconds_apart=40)  # one hour
    assert "right" not in answers
    assert checks_made(answers) <= settings.VERIFICATION_AGENT_CHECKS_PER_HOUR
    assert answers.count("wrong") <= settings.VERIFICATION_AGENT_WRONG_CHECKS_PER_HOUR
    assert AuditEvent.objects.filter(event="verification.checked").count() == checks_made(answers)


def test_an_agent_alternating_guesses_with_a_colleagues_code_gets_no_more_than_the_hours_budget(
    console, victim, colleague
):
    theirs = {"email": colleague.email, "code": VICTIM_CODE}
    answers = alternate(console, victim, then=theirs, pairs=90, seconds_apart=40)  # one hour
    assert checks_made(answers) <= settings.VERIFICATION_AGENT_CHECKS_PER_HOUR
    assert answers.count("wrong") <= settings.VERIFICATION_AGENT_WRONG_CHECKS_PER_HOUR
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert answer(console.post(PHONE, theirs)) == "right"  # the window slid past them all


def test_right_checks_alone_are_counted_too_and_the_agent_is_told_to_wait(
    console, colleague, settings
):
    theirs = {"email": colleague.email, "code": VICTIM_CODE}
    for _ in range(settings.VERIFICATION_AGENT_CHECKS_PER_HOUR):
        assert answer(console.post(PHONE, theirs)) == "right"
    page = console.post(PHONE, theirs).content.decode()
    assert "U heeft het maximale aantal codecontroles per uur bereikt." in page
    assert "Probeer het over 60 minuten opnieuw." in page


# (b) 27 wrong checks in a row, each followed by a right one, no wait


def test_27_wrong_guesses_each_followed_by_a_right_check_are_stopped_after_10(
    console, victim, colleague
):
    theirs = {"email": colleague.email, "code": VICTIM_CODE}
    answers = alternate(console, victim, then=theirs, pairs=27)
    assert answers.count("wrong") == settings.VERIFICATION_AGENT_WRONG_CHECKS_PER_HOUR == 10
    assert answers[:19] == ["wrong", "right"] * 9 + ["wrong"]
    assert set(answers[19:]) == {"wait"}  # the tenth wrong one stops right ones too
    page = console.post(PHONE, {"email": victim.email, "code": "0099"}).content.decode()
    assert "Te veel mislukte pogingen. Probeer het over 60 minuten opnieuw." in page


# (c) The bound SECURITY.md states


def test_a_day_of_guessing_gets_50_guesses_so_the_chance_stays_under_half_a_percent(agent, victim):
    guesses, start = 0, timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        while timezone.now() < start + timedelta(days=1):
            services.code_current(user=victim)  # the person keeps a code on the screen
            check = services.verification_code_check(
                person=victim, code=f"{guesses:04d}", agent=agent, request=None, channel="phone"
            )
            if check.outcome == "throttled":
                clock.shift(check.wait_seconds)  # the attacker waits exactly as long as told
            else:
                assert check.outcome == "wrong"
                guesses += 1
                clock.shift(10)
    assert guesses == settings.VERIFICATION_AGENT_WRONG_CHECKS_PER_DAY == 50
    # Five different guesses per code, then a fresh random one: each code falls with 5 in 10^4.
    chance = 1 - (1 - 5 / 10**CODE_DIGITS) ** (guesses / 5)
    assert chance < guesses / 10**CODE_DIGITS <= 0.005


def test_an_honest_shift_with_a_typo_every_ten_checks_never_waits(agent, victim, colleague):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for number in range(8 * 30):  # eight hours, one check every two minutes
            typo = number % 10 == 9
            services.code_current(user=victim)
            check = services.verification_code_check(
                person=victim if typo else colleague,
                code="1234" if typo else VICTIM_CODE,
                agent=agent,
                request=None,
                channel="phone",
            )
            assert check.outcome == ("wrong" if typo else "right"), number
            clock.shift(120)


# (d) Every check is in the trail, never the code


def test_a_right_check_on_the_phone_page_is_audited_without_the_code(console, agent, victim):
    response = console.post(PHONE, {"email": victim.email, "code": VICTIM_CODE})
    assert response["Location"] == f"/helpdesk/account/{victim.pk}/"
    event = AuditEvent.objects.get(event="verification.checked")
    assert (event.actor, event.subject, event.outcome) == (agent, victim, "success")
    assert event.details == {"channel": "phone"}
    assert VerificationCode.objects.current().get(user=victim).failed_attempts == 0


# (e) Nobody checks their own account


def test_an_agent_cannot_check_their_own_account_by_phone(console, agent):
    code = own_code_from_the_lost_factor_page(agent)
    response = console.post(PHONE, {"email": agent.email, "code": code})
    assert answer(response) == "own"
    assert "Laat een collega van de helpdesk dit doen." in response.content.decode()
    assert "helpdesk_checked" not in console.session
    event = AuditEvent.objects.get(event="verification.checked")
    assert (event.actor, event.subject, event.outcome) == (agent, agent, "failure")
    assert event.details["reason"] == "own_account"
    assert VerificationCode.objects.current().get(user=agent).failed_attempts == 0


def test_an_agent_cannot_verify_or_reset_their_own_account_in_the_chat(console, agent):
    code = services.code_current(user=agent).code
    chat = services.conversation_start(person=agent, request=None)
    assert services.conversation_take(conversation_id=chat.pk, agent=agent, request=None)
    url = f"/helpdesk/gesprek/{chat.pk}/"
    assert console.post(url + "verifieren/", {"verify-code": code}).status_code == 400
    response = console.post(url + "resetten/", {"reset-code": code})
    assert response.status_code == 400
    assert OWN_ACCOUNT in response.content.decode()
    assert type(agent.app).objects.filter(user=agent).exists()
    assert VerificationCode.objects.current().get(user=agent).code == code
    reasons = AuditEvent.objects.filter(event="verification.checked").values_list(
        "details__reason", flat=True
    )
    assert list(reasons) == ["own_account", "own_account"]


# Checks fired at once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs parallel transactions")
def test_checks_fired_at_once_by_one_agent_never_pass_the_budget(settings):
    settings.VERIFICATION_AGENT_CHECKS_PER_HOUR = 3
    agent = User.objects.create_user("sanne@topicus.example", "x", is_staff=True)
    person = User.objects.create_user("anna@delinde.example", "x")
    code = services.code_current(user=person).code

    def check():
        return services.verification_code_check(
            person=person, code=code, agent=agent, request=None, channel="phone"
        ).outcome

    outcomes = at_once(*[check] * 8)
    assert sorted(outcomes) == ["checks_used_up"] * 5 + ["right"] * 3
    assert AuditEvent.objects.filter(event="verification.checked").count() == 3
