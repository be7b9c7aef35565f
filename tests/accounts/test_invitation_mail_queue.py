"""Invitation mail off the request path (MAIL_QUEUE=worker): queued in bulk, sent by the worker."""

import io
import math
import signal
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import invitations
from accounts.models import Invitation
from tests.support import (
    DOWN_MAIL_BACKEND,
    KILLED_MAIL_BACKEND,
    WorkerKilled,
    link_from_mail,
    row_locked_elsewhere,
)
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

INVITE = "/admin/accounts/invitation/uitnodigen/"


def addresses(count: int, prefix: str = "medewerker") -> str:
    return "\n".join(f"{prefix}{n}@delinde.example" for n in range(count))


def invite_many(text, organisation, role, capture):
    """Invite as the servicedesk does; run what would run after commit; count the queries."""
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        report = invitations.invitations_create(text=text, organisation=organisation, role=role)
    return report, len(queries)


def test_500_invitations_are_queued_with_a_constant_number_of_queries_and_no_mail(
    worker_mode, organisation, role, django_capture_on_commit_callbacks
):
    _, few = invite_many(
        addresses(5, "eerst"), organisation, role, django_capture_on_commit_callbacks
    )
    report, many = invite_many(
        addresses(500), organisation, role, django_capture_on_commit_callbacks
    )

    assert len(report.invited) == 500
    assert mail.outbox == []
    assert {inv.status for inv in Invitation.objects.with_status()} == {Invitation.Status.QUEUED}
    assert AuditEvent.objects.filter(event="invitation.created").count() == 505
    limit = connection.features.max_query_params  # SQLite: 999 parameters per statement
    if limit is None:
        assert many == few  # PostgreSQL: one INSERT per table, whatever the number
    else:  # a bulk INSERT split into the batches the parameter limit allows, never one per row
        assert many - few <= 2 * math.ceil(500 * 16 / limit)


def test_the_worker_sends_all_500_and_their_status_becomes_sent(
    worker_mode, organisation, role, django_capture_on_commit_callbacks
):
    invite_many(addresses(500), organisation, role, django_capture_on_commit_callbacks)

    assert invitations.invitations_send_due() == (500, 500)

    assert len(mail.outbox) == 500
    assert len({m.to[0] for m in mail.outbox}) == 500
    statuses = {inv.status for inv in Invitation.objects.with_status()}
    assert statuses == {Invitation.Status.SENT}
    assert Invitation.Status.SENT.label == "verstuurd"
    assert invitations.invitations_send_due() == (0, 0)  # nothing sent twice


def test_a_failing_mail_server_leaves_them_failed_and_they_are_retried_later(
    worker_mode, settings, organisation, role, django_capture_on_commit_callbacks
):
    invite_many(addresses(20), organisation, role, django_capture_on_commit_callbacks)
    settings.EMAIL_BACKEND = DOWN_MAIL_BACKEND

    assert invitations.invitations_send_due() == (0, 20)
    assert {inv.status for inv in Invitation.objects.with_status()} == {Invitation.Status.FAILED}
    assert set(Invitation.objects.values_list("send_error", flat=True)) == {
        "ConnectionRefusedError"
    }
    assert invitations.invitations_send_due() == (0, 0)  # waiting a minute before the retry

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=1, seconds=5)):
        assert invitations.invitations_send_due() == (20, 20)
        assert {inv.status for inv in Invitation.objects.with_status()} == {Invitation.Status.SENT}
    assert set(Invitation.objects.values_list("send_attempts", flat=True)) == {2}
    assert len(mail.outbox) == 20


def test_the_servicedesk_gets_its_answer_at_once_and_the_worker_mails_later(
    worker_mode, servicedesk_client, organisation, role, django_capture_on_commit_callbacks
):
    form = {"organisation": organisation.pk, "role": role.pk, "language": "nl"}
    capture = django_capture_on_commit_callbacks(execute=True)
    with CaptureQueriesContext(connection) as queries, capture:
        response = servicedesk_client.post(INVITE, {**form, "addresses": addresses(500)})
    assert response.status_code == 302
    assert len(queries) < 60  # not one or more per address
    assert mail.outbox == []
    assert Invitation.objects.filter(sent_at__isnull=True).count() == 500


def test_the_send_invitations_command_is_the_worker_run_once(
    worker_mode, organisation, role, django_capture_on_commit_callbacks
):
    invite_many(addresses(3), organisation, role, django_capture_on_commit_callbacks)
    out = io.StringIO()
    call_command("send_invitations", stdout=out)
    assert "3 van 3 uitnodigingsmails verstuurd" in out.getvalue().splitlines()
    assert len(mail.outbox) == 3


def test_resend_in_worker_mode_queues_a_new_link(worker_mode, organisation, role):
    invitations.invitations_create(text="a@delinde.example", organisation=organisation, role=role)
    invitation = Invitation.objects.get()
    invitations.invitations_send_due()
    assert invitations.invitation_resend(invitation) is True
    invitation.refresh_from_db()
    assert invitation.status_at(timezone.now()) == Invitation.Status.QUEUED
    assert len(mail.outbox) == 1
    assert invitations.invitations_send_due() == (1, 1)
    assert len(mail.outbox) == 2


def test_the_invite_command_says_queued_in_worker_mode(worker_mode, organisation, role):
    out = io.StringIO()
    call_command(
        "invite", "a@delinde.example", "--organisation", organisation.name, "--role", role.name,
        stdout=out,
    )  # fmt: skip
    assert "1 uitnodiging klaargezet voor de mailworker." in out.getvalue()
    assert mail.outbox == []


def test_immediate_mode_sends_after_commit_without_a_worker(
    organisation, role, django_capture_on_commit_callbacks
):
    invite_many(addresses(3), organisation, role, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 3
    assert invitations.invitations_send_due() == (0, 0)


def test_the_worker_loop_sends_and_stops_gracefully_on_sigterm(
    worker_mode, organisation, role, django_capture_on_commit_callbacks
):
    invite_many(addresses(3), organisation, role, django_capture_on_commit_callbacks)
    previous = signal.signal(signal.SIGTERM, lambda *args: None)  # never kill pytest itself
    stopper = threading.Timer(0.5, signal.raise_signal, (signal.SIGTERM,))
    try:
        # raise_signal from the timer thread: Python runs the handler in the main thread.
        stopper.start()
        out = io.StringIO()
        call_command("send_invitations", "--loop", "--interval", "0.1", stdout=out)
    finally:
        stopper.cancel()
        signal.signal(signal.SIGTERM, previous)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Mailworker gestart; kijkt elke 0,1 s."
    assert "3 van 3 uitnodigingsmails verstuurd" in lines
    assert lines[-1] == "Mailworker gestopt."
    assert len(mail.outbox) == 3


def test_a_worker_killed_after_the_server_took_the_mail_keeps_the_attempt_and_the_link(
    worker_mode, settings, organisation, role
):
    invitations.invitations_create(text="a@delinde.example", organisation=organisation, role=role)
    settings.EMAIL_BACKEND = KILLED_MAIL_BACKEND
    with pytest.raises(WorkerKilled):
        invitations.invitations_send_due()
    crashed = Invitation.objects.get()
    assert (crashed.send_attempts, crashed.sent_at) == (1, None)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert invitations.invitations_send_due() == (0, 0)  # the pause after an attempt
    with time_machine.travel(timezone.now() + timedelta(minutes=1, seconds=5)):
        assert invitations.invitations_send_due() == (1, 1)
    first, second = (link_from_mail(message) for message in mail.outbox)
    assert first == second
    assert Invitation.objects.get().send_attempts == 2


def test_a_second_worker_round_while_a_mail_goes_out_sends_nothing(
    worker_mode, settings, organisation, role
):
    invitations.invitations_create(text="a@delinde.example", organisation=organisation, role=role)
    settings.EMAIL_BACKEND = "tests.accounts.test_invitation_mail_queue.AnotherWorkerMeanwhile"
    AnotherWorkerMeanwhile.rounds.clear()
    assert invitations.invitations_send_due() == (1, 1)
    assert AnotherWorkerMeanwhile.rounds == [(0, 0)]
    assert len(mail.outbox) == 1


class AnotherWorkerMeanwhile:
    """While the mail goes out, another worker runs its round (and sends for real)."""

    rounds: list = []

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        if not self.rounds:
            self.rounds.append(invitations.invitations_send_due())
        mail.outbox.extend(messages)
        return len(messages)


def test_an_invitation_whose_every_attempt_was_interrupted_shows_failed(
    worker_mode, settings, organisation, role
):
    invitations.invitations_create(text="a@delinde.example", organisation=organisation, role=role)
    settings.EMAIL_BACKEND = KILLED_MAIL_BACKEND
    now = timezone.now()
    for attempt in range(invitations.MAX_SEND_ATTEMPTS):
        now += timedelta(minutes=2**attempt)
        with pytest.raises(WorkerKilled):
            invitations.invitations_send_due(now=now)
    assert (
        Invitation.objects.with_status().get().status == Invitation.Status.QUEUED
    )  # maybe still going out
    assert invitations.invitations_send_due(now=now + timedelta(days=1)) == (0, 0)
    given_up = Invitation.objects.get()
    assert given_up.send_attempts == invitations.MAX_SEND_ATTEMPTS
    assert given_up.status_at(timezone.now()) == Invitation.Status.FAILED
    assert given_up.send_error == "Interrupted"
    assert len(mail.outbox) == invitations.MAX_SEND_ATTEMPTS
    assert len({link_from_mail(message) for message in mail.outbox}) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_mail_claimed_by_one_worker_is_skipped_by_another(worker_mode, organisation, role):
    invitations.invitations_create(text="a@delinde.example", organisation=organisation, role=role)
    pk = Invitation.objects.get().pk
    with row_locked_elsewhere(Invitation, pk):
        assert invitations.invitation_send_if_due(pk) is None  # skipped at once, not waited for
        assert mail.outbox == []
    assert invitations.invitation_send_if_due(pk) is True
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_four_workers_at_once_send_each_of_40_mails_exactly_once(worker_mode, organisation, role):
    invitations.invitations_create(text=addresses(40), organisation=organisation, role=role)
    start = threading.Barrier(4)
    rounds = []

    def worker():
        try:
            start.wait(10)
            rounds.append(invitations.invitations_send_due())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent for sent, _ in rounds) == 40
    assert sorted(m.to[0] for m in mail.outbox) == sorted(addresses(40).split())
    assert set(Invitation.objects.values_list("send_attempts", flat=True)) == {1}
