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
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import invitations
from accounts.models import Invitation
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

BROKEN_BACKEND = "tests.test_production_mail_queue.BrokenMailBackend"
INVITE = "/admin/accounts/invitation/uitnodigen/"


class BrokenMailBackend:
    """A mail server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


@pytest.fixture
def worker_mode(settings):
    settings.MAIL_QUEUE = "worker"


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
    assert {inv.status for inv in Invitation.objects.all()} == {Invitation.Status.QUEUED}
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
    statuses = {inv.status for inv in Invitation.objects.all()}
    assert statuses == {Invitation.Status.SENT}
    assert Invitation.Status.SENT.label == "verstuurd"
    assert invitations.invitations_send_due() == (0, 0)  # nothing sent twice


def test_a_failing_mail_server_leaves_them_failed_and_they_are_retried_later(
    worker_mode, settings, organisation, role, django_capture_on_commit_callbacks
):
    invite_many(addresses(20), organisation, role, django_capture_on_commit_callbacks)
    settings.EMAIL_BACKEND = BROKEN_BACKEND

    assert invitations.invitations_send_due() == (0, 20)
    assert {inv.status for inv in Invitation.objects.all()} == {Invitation.Status.FAILED}
    assert set(Invitation.objects.values_list("send_error", flat=True)) == {
        "ConnectionRefusedError"
    }
    assert invitations.invitations_send_due() == (0, 0)  # waiting a minute before the retry

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=1, seconds=5)):
        assert invitations.invitations_send_due() == (20, 20)
        assert {inv.status for inv in Invitation.objects.all()} == {Invitation.Status.SENT}
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
    assert out.getvalue().splitlines()[0] == "3 of 3 invitation mail(s) sent"
    assert len(mail.outbox) == 3


def test_resend_in_worker_mode_queues_a_new_link(worker_mode, organisation, role):
    invitations.invitations_create(text="a@delinde.example", organisation=organisation, role=role)
    invitation = Invitation.objects.get()
    invitations.invitations_send_due()
    assert invitations.invitation_resend(invitation) is True
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.QUEUED
    assert len(mail.outbox) == 1
    assert invitations.invitations_send_due() == (1, 1)
    assert len(mail.outbox) == 2


def test_the_invite_command_says_queued_in_worker_mode(worker_mode, organisation, role):
    out = io.StringIO()
    call_command(
        "invite", "a@delinde.example", "--organisation", organisation.name, "--role", role.name,
        stdout=out,
    )  # fmt: skip
    assert "1 invitation(s) queued for the mail worker" in out.getvalue()
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
    assert lines[0] == "Mail worker started; looking every 0.1 s."
    assert "3 of 3 invitation mail(s) sent" in lines
    assert lines[-1] == "Mail worker stopped."
    assert len(mail.outbox) == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_mail_claimed_by_one_worker_is_skipped_by_another(worker_mode, organisation, role):
    invitations.invitations_create(text="a@delinde.example", organisation=organisation, role=role)
    pk = Invitation.objects.get().pk
    locked, release = threading.Event(), threading.Event()

    def first_worker():
        try:
            with transaction.atomic():
                Invitation.objects.select_for_update().get(pk=pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_worker)
    thread.start()
    try:
        assert locked.wait(10)
        assert invitations.invitation_send_if_due(pk) is None  # skipped at once, not waited for
        assert mail.outbox == []
    finally:
        release.set()
        thread.join()
    assert invitations.invitation_send_if_due(pk) is True
    assert len(mail.outbox) == 1
