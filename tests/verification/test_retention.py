"""Retention of chats and codes, and the administrators' read-only pages."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import User
from tests.support import GOOD_PASSWORD, days_ago, give_app, log_in, unverify
from verification import services
from verification.models import Conversation, Message, VerificationCode
from zorgportaal import audit
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db


def chat(person, *, started, closed=None, said_at=()):
    conversation = Conversation.objects.create(person=person, created_at=started, closed_at=closed)
    for moment in said_at:
        Message.objects.create(
            conversation=conversation, kind="person", author=person, text="hoi", created_at=moment
        )
    return conversation


def test_the_purge_removes_old_chats_and_codes_and_keeps_the_audit_trail(organisation):
    people = [User.objects.create_user(f"p{n}@delinde.example") for n in range(4)]
    old_closed = chat(people[0], started=days_ago(100), closed=days_ago(91), said_at=[days_ago(99)])
    recent_closed = chat(people[1], started=days_ago(100), closed=days_ago(89))
    abandoned = chat(people[2], started=days_ago(120), said_at=[days_ago(110)])
    still_talking = chat(people[3], started=days_ago(120), said_at=[days_ago(1)])
    used = VerificationCode.objects.create(
        user=people[0],
        code="1234",
        created_at=days_ago(100),
        expires_at=days_ago(99),
        ended_at=days_ago(91),
        end_reason="used",
    )
    recently_used = VerificationCode.objects.create(
        user=people[1],
        code="2345",
        created_at=days_ago(90),
        expires_at=days_ago(89),
        ended_at=days_ago(89),
        end_reason="used",
    )
    current = services.code_current(user=people[2])
    audit.record("verification.succeeded", actor=people[1], subject=people[0], channel="chat")

    out = StringIO()
    call_command("purge", stdout=out)

    assert set(Conversation.objects.all()) == {recent_closed, still_talking}
    assert not Message.objects.filter(conversation_id__in=[old_closed.pk, abandoned.pk]).exists()
    assert Message.objects.filter(conversation=still_talking).count() == 1
    assert set(VerificationCode.objects.all()) == {recently_used, current}
    assert not VerificationCode.objects.filter(pk=used.pk).exists()
    assert AuditEvent.objects.filter(event="verification.succeeded").count() == 1
    # 2 chats, 2 chat lines and 1 code.
    assert "5 chatberichten, chats en verificatiecodes verwijderd (bewaartermijn 90 dagen)" in (
        out.getvalue().splitlines()
    )
    [purged] = AuditEvent.objects.filter(event="retention.purged", details__kind="verification")
    assert purged.details == {"kind": "verification", "count": 5, "days": 90}


def test_an_open_chat_keeps_only_its_lines_newer_than_the_retention_period(person):
    talking = chat(person, started=days_ago(120), said_at=[days_ago(100), days_ago(1)])
    audit.record("chat.started", subject=person, conversation=talking.pk)
    events = AuditEvent.objects.count()

    report = services.verification_data_purge()

    assert Message.objects.filter(conversation=talking).count() == 1
    assert Message.objects.get(conversation=talking).created_at > days_ago(2)
    assert (report.conversations, report.messages, report.codes) == (0, 1, 0)
    assert AuditEvent.objects.count() == events


def test_a_chat_whose_lines_all_aged_out_goes_unless_it_closed_within_the_period(organisation):
    people = [User.objects.create_user(f"p{n}@delinde.example") for n in range(3)]
    chat(people[0], started=days_ago(120), said_at=[days_ago(110), days_ago(95)])  # forgotten
    closed_lately = chat(people[1], started=days_ago(120), closed=days_ago(10))
    Message.objects.create(conversation=closed_lately, kind="person", created_at=days_ago(100))
    new = chat(people[2], started=days_ago(3))

    report = services.verification_data_purge()

    assert set(Conversation.objects.all()) == {closed_lately, new}
    assert not Message.objects.exists()
    assert (report.conversations, report.messages) == (1, 3)
    closed_lately.refresh_from_db()
    assert closed_lately.last_message_id == 0  # the poller reads it: no line is left


@pytest.fixture
def waiting(person):
    """Anna, not yet verified, with a chat she started long ago and still has open."""
    unverify(person)
    return person, chat(person, started=days_ago(120))


def test_the_poller_answers_as_before_once_old_lines_are_purged(client, waiting, open_helpdesk):
    person, talking = waiting
    for text, days in [("eerste vraag", 100), ("tweede vraag", 1)]:
        Message.objects.create(
            conversation=talking, kind="person", author=person, text=text, created_at=days_ago(days)
        )
    newest = Message.objects.latest("id")

    services.verification_data_purge()

    talking.refresh_from_db()
    assert talking.last_message_id == newest.pk
    log_in(client, person)
    poll = f"/verificatie/chat/{talking.pk}/berichten/"
    assert client.get(poll, {"na": newest.pk}).status_code == 204
    answer = client.get(poll, {"na": 0}).json()
    assert "tweede vraag" in answer["html"]
    assert "eerste vraag" not in answer["html"]
    assert answer["last_id"] == newest.pk


def test_the_retention_period_is_a_setting(settings, organisation):
    settings.VERIFICATION_RETENTION_DAYS = 7
    person = User.objects.create_user("p@delinde.example")
    chat(person, started=days_ago(9), closed=days_ago(8))
    report = services.verification_data_purge()
    assert (report.conversations, report.codes) == (1, 0)


def test_the_admin_shows_chats_and_codes_read_only_but_never_a_code(person):
    admin = User.objects.create_superuser("beheer@topicus.example", GOOD_PASSWORD)
    client = Client()
    log_in(client, give_app(admin))
    code = services.code_current(user=person)
    VerificationCode.objects.filter(pk=code.pk).update(code="7395")
    conversation = chat(person, started=timezone.now(), said_at=[timezone.now()])
    changelist = client.get("/admin/verification/verificationcode/")
    assert changelist.status_code == 200
    assert "anna.devries@delinde.example" in changelist.content.decode()
    detail = client.get(f"/admin/verification/verificationcode/{code.pk}/change/")
    assert detail.status_code == 200
    for response in (changelist, detail):
        assert "7395" not in response.content.decode()
    assert client.get("/admin/verification/verificationcode/add/").status_code == 403
    page = client.get(f"/admin/verification/conversation/{conversation.pk}/change/")
    assert page.status_code == 200
    assert "hoi" in page.content.decode()
