"""Retention of chats and codes, and the administrators' read-only pages."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import User
from tests.conftest import GOOD_PASSWORD, give_app, log_in
from verification import services
from verification.models import Conversation, Message, VerificationCode
from zorgportaal import audit
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db


def days_ago(days):
    return timezone.now() - timedelta(days=days)


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
    call_command("purge_verification_data", stdout=out)

    assert set(Conversation.objects.all()) == {recent_closed, still_talking}
    assert not Message.objects.filter(conversation_id__in=[old_closed.pk, abandoned.pk]).exists()
    assert Message.objects.filter(conversation=still_talking).count() == 1
    assert set(VerificationCode.objects.all()) == {recently_used, current}
    assert not VerificationCode.objects.filter(pk=used.pk).exists()
    assert AuditEvent.objects.filter(event="verification.succeeded").count() == 1
    assert out.getvalue().strip() == (
        "Removed 2 chat(s) with 2 message(s) and 1 verification code(s) older than 90 days"
    )


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
