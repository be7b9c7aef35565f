""" "Wachtwoord vergeten?" off the request path: queued in the request, mailed by the worker.

A known address must not answer slower than an unknown one (the mail server's time told which
addresses have accounts), and people behind one NAT address must each get their mail.
"""

import io
import logging
import re
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import password_reset
from accounts.models import PasswordResetMail, User
from tests.support import (
    DOWN_MAIL_BACKEND,
    GOOD_PASSWORD,
    KILLED_MAIL_BACKEND,
    WorkerKilled,
    reset_link,
    row_locked_elsewhere,
)
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

NAT = "192.0.2.50"
NEW_PASSWORD = "een nieuw en lang wachtwoord"


def ask_reset_from(email, *, address=NAT):
    return Client(REMOTE_ADDR=address).post("/wachtwoord-vergeten/", {"email": email})


def colleagues(person, count):
    return [
        User.objects.create_user(f"collega{n}@delinde.example", GOOD_PASSWORD) for n in range(count)
    ] + [person]


def statements(queries) -> list[str]:
    """What each query did, without its values: "INSERT INTO table", "SELECT … FROM table"."""
    return [re.sub(r"'[^']*'|\d+", "?", q["sql"]).split(" WHERE ")[0] for q in queries]


def test_known_and_unknown_addresses_answer_alike_and_no_mail_goes_in_the_request(
    worker_mode, person, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as known:
        known_answer = ask_reset_from(person.email, address="192.0.2.1")
    with django_assert_num_queries(len(known)) as unknown:
        unknown_answer = ask_reset_from("niemand@delinde.example", address="192.0.2.2")
    assert known_answer["Location"] == unknown_answer["Location"]
    assert known_answer["Location"] == "/wachtwoord-vergeten/verstuurd/"
    assert statements(known.captured_queries) == statements(unknown.captured_queries)
    assert mail.outbox == []
    assert PasswordResetMail.objects.get().user == person


def test_the_worker_round_mails_a_link_that_sets_a_new_password(worker_mode, person):
    ask_reset_from(person.email)
    out = io.StringIO()
    call_command("send_invitations", stdout=out)
    assert "1 van 1 mail voor een nieuw wachtwoord verstuurd" in out.getvalue()
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert mail.outbox[0].subject == "Nieuw wachtwoord kiezen voor uw Topicus Zorg Account"
    client = Client()
    form_url = client.get(reset_link(mail.outbox[0]))["Location"]
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response["Location"] == "/inloggen/"
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert PasswordResetMail.objects.get().sent_at is not None
    assert password_reset.password_reset_mails_send_due() == (0, 0)  # never sent twice


def test_the_worker_mails_in_the_language_the_person_asked_in(worker_mode, person):
    client = Client(REMOTE_ADDR=NAT)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.post("/wachtwoord-vergeten/", {"email": person.email})
    password_reset.password_reset_mails_send_due()
    assert mail.outbox[0].subject == "Choose a new password for your Topicus Zorg Account"


def test_a_failing_mail_server_is_retried_and_the_request_is_never_lost(
    worker_mode, settings, person
):
    ask_reset_from(person.email)
    settings.EMAIL_BACKEND = DOWN_MAIL_BACKEND
    assert password_reset.password_reset_mails_send_due() == (0, 1)
    queued = PasswordResetMail.objects.get()
    assert queued.sent_at is None and queued.send_failed_at is not None
    assert queued.send_attempts == 1
    failure = AuditEvent.objects.get(event="mail.failed")
    assert failure.subject == person
    assert failure.details["mail"] == "password-reset"
    assert password_reset.password_reset_mails_send_due() == (0, 0)  # a minute's pause first
    with time_machine.travel(timezone.now() + timedelta(minutes=1, seconds=5)):
        assert password_reset.password_reset_mails_send_due() == (0, 1)  # still down
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        assert password_reset.password_reset_mails_send_due() == (1, 1)
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert PasswordResetMail.objects.get().send_attempts == 3


def test_after_the_last_attempt_the_mail_is_given_up_and_a_new_request_may_queue(
    worker_mode, settings, person
):
    ask_reset_from(person.email)
    settings.EMAIL_BACKEND = DOWN_MAIL_BACKEND
    later = timezone.now()
    for _ in range(password_reset.MAX_SEND_ATTEMPTS):
        later += timedelta(days=1)
        password_reset.password_reset_mails_send_due(now=later)
    assert not PasswordResetMail.objects.exists()
    assert AuditEvent.objects.filter(event="mail.failed").count() == 10
    assert AuditEvent.objects.filter(event="mail.failed").latest("id").details["gave_up"] is True
    ask_reset_from(person.email, address="192.0.2.9")
    assert PasswordResetMail.objects.filter(user=person, sent_at=None).exists()


def test_a_worker_killed_after_the_server_took_the_mail_keeps_the_attempt_and_both_links_work(
    worker_mode, settings, person
):
    ask_reset_from(person.email)
    settings.EMAIL_BACKEND = KILLED_MAIL_BACKEND
    with pytest.raises(WorkerKilled):
        password_reset.password_reset_mails_send_due()
    assert PasswordResetMail.objects.get().send_attempts == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert password_reset.password_reset_mails_send_due() == (0, 0)  # the pause after an attempt
    with time_machine.travel(timezone.now() + timedelta(minutes=1, seconds=5)):
        assert password_reset.password_reset_mails_send_due() == (1, 1)
        first, second = (Client() for _ in range(2))
        first_form = first.get(reset_link(mail.outbox[0]))["Location"]
        second_form = second.get(reset_link(mail.outbox[1]))["Location"]
        assert first_form.endswith("/set-password/") and second_form.endswith("/set-password/")
        form = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        assert second.post(second_form, form)["Location"] == "/inloggen/"
        assert "Deze link werkt niet meer" in first.get(first_form).content.decode()
    assert PasswordResetMail.objects.get().send_attempts == 2


def test_a_reset_mail_that_kills_the_worker_every_time_is_given_up_after_ten_attempts(
    worker_mode, settings, person
):
    ask_reset_from(person.email)
    settings.EMAIL_BACKEND = KILLED_MAIL_BACKEND
    now = timezone.now()
    for attempt in range(password_reset.MAX_SEND_ATTEMPTS):
        if attempt:  # 1, 2, 4 … minutes after the last attempt, not a second before
            pause = timedelta(minutes=2 ** (attempt - 1))
            just_before = now + pause - timedelta(seconds=1)
            assert password_reset.password_reset_mails_send_due(now=just_before) == (0, 0)
            now += pause
        with pytest.raises(WorkerKilled):
            password_reset.password_reset_mails_send_due(now=now)
        assert PasswordResetMail.objects.get().send_attempts == attempt + 1
    assert password_reset.password_reset_mails_send_due(now=now + timedelta(days=1)) == (0, 0)
    assert not PasswordResetMail.objects.exists()
    given_up = AuditEvent.objects.get(event="mail.failed")
    assert given_up.details["gave_up"] is True
    assert given_up.details["error"] == "InterruptedError"
    ask_reset_from(person.email, address="192.0.2.9")
    assert PasswordResetMail.objects.filter(user=person, sent_at=None).exists()


def test_a_fourth_and_fifth_person_behind_one_address_each_get_their_mail(worker_mode, person):
    people = colleagues(person, 4)
    for someone in people:
        ask_reset_from(someone.email, address=NAT)
    assert password_reset.password_reset_mails_send_due() == (5, 5)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)


def test_a_fourth_request_for_one_address_within_the_hour_gets_no_mail(worker_mode, person):
    for number in range(4):
        with time_machine.travel(timezone.now() + timedelta(minutes=10 * number)):
            ask_reset_from(person.email, address=f"198.51.100.{number}")
            password_reset.password_reset_mails_send_due()
    assert len(mail.outbox) == 3
    assert AuditEvent.objects.filter(event="password_reset.throttled").count() == 1
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=25)):
        ask_reset_from(person.email, address="198.51.100.9")
        password_reset.password_reset_mails_send_due()
    assert len(mail.outbox) == 4


def test_the_limit_per_client_is_looser_but_still_a_limit(worker_mode, person):
    people = colleagues(person, password_reset.RESET_PER_CLIENT.free)
    for someone in people:
        ask_reset_from(someone.email, address=NAT)
    password_reset.password_reset_mails_send_due()
    assert len(mail.outbox) == password_reset.RESET_PER_CLIENT.free
    assert PasswordResetMail.objects.count() == password_reset.RESET_PER_CLIENT.free


def test_a_second_request_while_one_is_queued_adds_nothing(worker_mode, person):
    ask_reset_from(person.email, address="192.0.2.1")
    ask_reset_from(person.email, address="192.0.2.2")
    assert PasswordResetMail.objects.count() == 1
    assert password_reset.password_reset_mails_send_due() == (1, 1)
    assert len(mail.outbox) == 1


def test_unknown_addresses_and_inactive_accounts_queue_nothing(worker_mode, person):
    ask_reset_from("niemand@delinde.example")
    person.is_active = False
    person.save(update_fields=["is_active"])
    ask_reset_from(person.email)
    assert not PasswordResetMail.objects.exists()
    assert AuditEvent.objects.filter(event="password_reset.requested").count() == 2


def test_an_account_deactivated_while_its_mail_waits_gets_no_mail(worker_mode, person):
    ask_reset_from(person.email)
    User.objects.filter(pk=person.pk).update(is_active=False)
    assert password_reset.password_reset_mails_send_due() == (0, 0)
    assert mail.outbox == []
    assert not PasswordResetMail.objects.exists()


def test_the_link_is_never_stored_and_never_logged(worker_mode, settings, person, caplog):
    caplog.set_level(logging.DEBUG)
    ask_reset_from(person.email)
    settings.EMAIL_BACKEND = DOWN_MAIL_BACKEND
    password_reset.password_reset_mails_send_due()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        password_reset.password_reset_mails_send_due()
    secret = reset_link(mail.outbox[0]).strip("/").split("/")[-1]
    assert len(secret) > 20
    assert secret not in caplog.text
    assert "Password reset mail" in caplog.text  # the failure was logged, without the link
    for model in apps.get_models():
        for row in model._base_manager.values_list():
            assert secret not in str(row), model


def test_in_immediate_mode_the_mail_goes_after_the_commit(
    person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset_from(person.email)
        ask_reset_from("niemand@delinde.example", address="192.0.2.3")
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert password_reset.password_reset_mails_send_due() == (0, 0)


def test_the_worker_command_reports_both_kinds_of_mail(worker_mode, person):
    ask_reset_from(person.email)
    out = io.StringIO()
    call_command("send_invitations", stdout=out)
    assert out.getvalue().splitlines() == [
        "0 van 0 verlopen sessies beëindigd",
        "0 van 0 uitnodigingsmails verstuurd",
        "1 van 1 mail voor een nieuw wachtwoord verstuurd",
        "0 van 0 uitlogberichten aan diensten verstuurd",
        "0 van 0 chats gesloten bij sluitingstijd",
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_reset_mail_claimed_by_one_worker_is_skipped_by_another(worker_mode, person):
    ask_reset_from(person.email)
    pk = PasswordResetMail.objects.get().pk
    with row_locked_elsewhere(PasswordResetMail, pk):
        assert password_reset.password_reset_mail_send_if_due(pk) is None
        assert mail.outbox == []
    assert password_reset.password_reset_mail_send_if_due(pk) is True
    assert len(mail.outbox) == 1
