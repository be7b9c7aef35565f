"""The servicedesk's and operator's management commands."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Invitation, Organisation, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks, monkeypatch):
    """Run a command; the mails it queues after its transaction commits go out too."""

    def call(*args, stdin=None):
        out = io.StringIO()
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        with django_capture_on_commit_callbacks(execute=True):
            call_command(*args, stdout=out)
        return out.getvalue()

    return call


def test_invite_sends_one_mail_per_new_address(run, organisation, role, servicedesk):
    output = run(
        "invite",
        "een@example.org",
        "twee@example.org",
        "een@example.org",
        "--organisation",
        organisation.name,
        "--role",
        role.name,
        "--invited-by",
        servicedesk.email,
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["een@example.org", "twee@example.org"]
    assert "Dubbel in de lijst, één keer uitgenodigd: een@example.org" in output
    assert "2 uitnodigingen verstuurd." in output
    assert set(Invitation.objects.values_list("invited_by", flat=True)) == {servicedesk.pk}


def test_invite_reads_a_list_from_stdin(run, organisation, role):
    run(
        "invite",
        "--file",
        "-",
        "--organisation",
        organisation.name,
        "--role",
        role.name,
        stdin="a@example.org\nb@example.org\n",
    )
    assert Invitation.objects.count() == 2


def test_invite_names_an_unknown_organisation_and_the_known_ones(run, organisation, role):
    with pytest.raises(CommandError, match=r"Onbekende organisatie 'Onbekend'.*De Linde"):
        run("invite", "a@example.org", "--organisation", "Onbekend", "--role", role.name)
    assert not Invitation.objects.exists()


def test_invite_can_create_a_missing_organisation_and_role(run, db):
    run("invite", "a@example.org", "--organisation", "Nieuw", "--role", "Arts", "--create-missing")
    assert Organisation.objects.filter(name="Nieuw").exists()
    assert Role.objects.filter(name="Arts").exists()
    assert len(mail.outbox) == 1


def test_invite_fails_on_invalid_addresses_but_invites_the_rest(run, organisation, role):
    with pytest.raises(CommandError, match="1 ongeldig adres; de andere zijn uitgenodigd"):
        run(
            "invite",
            "goed@example.org",
            "fout@",
            "--organisation",
            organisation.name,
            "--role",
            role.name,
        )
    assert list(Invitation.objects.values_list("email", flat=True)) == ["goed@example.org"]


def test_send_invitations_retries_failed_mails(run, invite):
    invitation, _ = invite()
    five_minutes_ago = timezone.now() - timedelta(minutes=5)
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=None, send_failed_at=five_minutes_ago, last_attempt_at=five_minutes_ago
    )
    mail.outbox.clear()
    assert "1 van 1 uitnodigingsmail verstuurd" in run("send_invitations")
    assert mail.outbox[0].to == [invitation.email]
    assert "0 van 0" in run("send_invitations")


def test_demo_data_mails_a_fresh_link_on_every_run(run, db):
    run("load_demo_data")
    run("load_demo_data")
    assert len(mail.outbox) == 2
    assert mail.outbox[0].body != mail.outbox[1].body
    assert Invitation.objects.count() == 1
    assert Organisation.objects.filter(name="Demo Zorggroep").exists()
