"""Invitations as the servicedesk makes them and the mail the person receives."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts import invitations
from accounts.models import Invitation, User, hash_token
from tests.support import DOWN_MAIL_BACKEND, link_from_mail
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db


def create(text, organisation, role, capture, **kwargs):
    with capture(execute=True):
        return invitations.invitations_create(
            text=text, organisation=organisation, role=role, **kwargs
        )


def test_it_reads_a_pasted_list_with_names_commas_and_semicolons():
    valid, invalid, duplicates = invitations.parse_address_list(
        "a@example.org\nJan Jansen <Jan@Example.org>; b@example.org, geen-adres\n\nA@example.org"
    )
    assert valid == ["a@example.org", "jan@example.org", "b@example.org"]
    assert invalid == ["geen-adres"]
    assert duplicates == ["a@example.org"]


def test_it_invites_each_address_once_and_reports_the_rest(
    organisation, role, servicedesk, django_capture_on_commit_callbacks
):
    User.objects.create_user("bestaand@example.org", "x")
    create("al@example.org", organisation, role, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    report = create(
        "nieuw@example.org\nal@example.org\nbestaand@example.org\nnieuw@example.org\nfout@",
        organisation,
        role,
        django_capture_on_commit_callbacks,
        invited_by=servicedesk,
    )

    assert report.invited == ["nieuw@example.org"]
    assert report.already_invited == ["al@example.org"]
    assert report.existing_accounts == ["bestaand@example.org"]
    assert report.duplicates == ["nieuw@example.org"]
    assert report.invalid == ["fout@"]
    assert [m.to for m in mail.outbox] == [["nieuw@example.org"]]
    assert Invitation.objects.filter(email="al@example.org").count() == 1
    assert Invitation.objects.get(email="nieuw@example.org").invited_by == servicedesk


def test_an_expired_invitation_is_renewed_when_the_address_is_invited_again(
    organisation, role, django_capture_on_commit_callbacks
):
    create("laat@example.org", organisation, role, django_capture_on_commit_callbacks)
    old_link = link_from_mail(mail.outbox[-1])
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        report = create("laat@example.org", organisation, role, django_capture_on_commit_callbacks)
        invitation = Invitation.objects.get(email="laat@example.org")
        assert report.renewed == ["laat@example.org"]
        assert invitation.status_at(timezone.now()) == Invitation.Status.SENT
        assert link_from_mail(mail.outbox[-1]) != old_link


def test_the_mail_has_the_subject_both_bodies_and_an_absolute_link(invite):
    invitation, link = invite()
    message = mail.outbox[-1]
    assert message.subject == "Registratie voor uw Topicus Zorg Account"
    assert message.to == [invitation.email]
    assert f"https://portaal.example.nl{link}" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="https://portaal.example.nl{link}"' in html
    assert "Huisartsenpraktijk De Linde" in message.body
    invitation.refresh_from_db()
    assert invitation.token_hash == hash_token(link.split("/")[2])
    assert invitation.status_at(timezone.now()) == Invitation.Status.SENT


def test_the_raw_link_is_never_stored(invite):
    invitation, link = invite()
    token = link.split("/")[2]
    values = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert token not in str(values)
    assert token not in str(list(AuditEvent.objects.values()))


def test_a_failing_mail_server_leaves_the_invitation_for_a_retry(
    settings, organisation, role, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = DOWN_MAIL_BACKEND
    create("pech@example.org", organisation, role, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email="pech@example.org")
    assert invitation.status_at(timezone.now()) == Invitation.Status.FAILED
    assert invitation.send_error == "ConnectionRefusedError"
    assert AuditEvent.objects.filter(event="invitation.sent", outcome="failure").count() == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert invitations.invitations_due_for_retry() == []  # waits a minute first
    later = timezone.now() + timedelta(minutes=2)
    assert invitations.invitations_due_for_retry(later) == [invitation]
    with time_machine.travel(later):
        assert invitation.pk in [i.pk for i in invitations.invitations_due_for_retry()]
        assert invitations.invitation_deliver(invitation.pk)
    invitation.refresh_from_db()
    assert invitation.status_at(timezone.now()) == Invitation.Status.SENT
    assert mail.outbox[-1].to == ["pech@example.org"]


def test_retries_wait_longer_each_time_and_stop_after_ten_attempts(invite):
    invitation, _ = invite()
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=None, send_failed_at=now, send_attempts=4
    )
    assert invitations.invitations_due_for_retry(now + timedelta(minutes=7)) == []
    assert len(invitations.invitations_due_for_retry(now + timedelta(minutes=8))) == 1
    Invitation.objects.filter(pk=invitation.pk).update(send_attempts=10)
    assert invitations.invitations_due_for_retry(now + timedelta(days=1)) == []


def test_resend_mails_a_new_link_and_the_old_one_dies(client, invite):
    invitation, old_link = invite()
    assert invitations.invitation_resend(invitation)
    new_link = link_from_mail(mail.outbox[-1])
    assert new_link != old_link
    assert client.get(old_link).status_code == 404
    assert client.get(new_link).status_code == 302


def invite_through_the_worker(address, organisation, role) -> str:
    """MAIL_QUEUE "worker": queue the invitation, run one worker round; the mailed link."""
    invitations.invitations_create(text=address, organisation=organisation, role=role)
    invitations.invitations_send_due()
    return link_from_mail(mail.outbox[-1])


def assert_link_is_dead(client, link):
    response = client.get(link)
    assert response.status_code == 404
    assert "Deze registratielink is ongeldig" in response.content.decode()
    assert "register" not in response.get("Location", "")


def test_with_the_mail_worker_resend_kills_the_old_link_before_the_new_mail_goes_out(
    client, settings, organisation, role
):
    settings.MAIL_QUEUE = "worker"
    old_link = invite_through_the_worker("anna@delinde.example", organisation, role)
    assert invitations.invitation_resend(Invitation.objects.get())
    assert len(mail.outbox) == 1  # the worker has not run yet
    assert_link_is_dead(client, old_link)

    assert invitations.invitations_send_due() == (1, 1)
    new_link = link_from_mail(mail.outbox[-1])
    assert_link_is_dead(client, old_link)
    assert client.get(new_link)["Location"] == "/registreren/wachtwoord/"


def test_with_the_mail_worker_the_resend_button_kills_the_old_link_at_once(
    servicedesk_client, client, settings, organisation, role
):
    settings.MAIL_QUEUE = "worker"
    old_link = invite_through_the_worker("anna@delinde.example", organisation, role)
    invitation = Invitation.objects.get()
    servicedesk_client.post(
        f"/admin/accounts/invitation/overzicht/{invitation.pk}/opnieuw-versturen/"
    )
    assert AuditEvent.objects.filter(event="invitation.resent").exists()
    assert_link_is_dead(client, old_link)


def test_with_the_mail_worker_a_renewed_expired_invitation_does_not_revive_its_old_link(
    client, settings, organisation, role
):
    settings.MAIL_QUEUE = "worker"
    old_link = invite_through_the_worker("laat@delinde.example", organisation, role)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        report = invitations.invitations_create(
            text="laat@delinde.example", organisation=organisation, role=role
        )
        assert report.renewed == ["laat@delinde.example"]
        assert_link_is_dead(client, old_link)


def test_resend_does_not_undo_a_registration_that_happened_meanwhile(registered_client):
    stale = Invitation.objects.get()
    Invitation.objects.filter(pk=stale.pk).update(used_at=None)
    stale.refresh_from_db()  # the servicedesk's list was loaded before the person registered
    Invitation.objects.filter(pk=stale.pk).update(used_at=timezone.now())
    assert not invitations.invitation_resend(stale)
    assert Invitation.objects.with_status().get().status == Invitation.Status.USED


def test_resend_refuses_a_used_invitation(registered_client):
    invitation = Invitation.objects.get()
    assert invitation.status_at(timezone.now()) == Invitation.Status.USED
    assert not invitations.invitation_resend(invitation)


def test_revoke_kills_the_link(client, invite):
    invitation, link = invite()
    assert invitations.invitation_revoke(invitation)
    response = client.get(link)
    assert response.status_code == 410
    assert "Deze registratielink is ingetrokken" in response.content.decode()
    assert not invitations.invitation_revoke(invitation)


def test_status_follows_the_life_of_an_invitation(client, invite):
    invitation, link = invite()
    assert invitation.status_at(timezone.now()) == Invitation.Status.SENT
    client.get(link)
    invitation.refresh_from_db()
    assert invitation.status_at(timezone.now()) == Invitation.Status.OPENED
    assert invitation.status_at(invitation.expires_at) == Invitation.Status.EXPIRED


def test_the_audit_trail_records_the_invitation_without_secrets(client, invite):
    invitation, link = invite()
    client.get(link)
    events = list(AuditEvent.objects.order_by("id").values_list("event", "outcome"))
    assert events == [
        ("invitation.created", "success"),
        ("invitation.sent", "success"),
        ("invitation.opened", "success"),
    ]
    opened = AuditEvent.objects.get(event="invitation.opened")
    assert opened.subject_email == invitation.email
    assert opened.client_ip == "127.0.0.1"
    assert len(opened.request_id) == 32


def test_a_retry_makes_the_same_link_only_with_the_secret_key_or_its_fallback(
    client, settings, invite
):
    invitation, link = invite()
    token = link.split("/")[2]
    assert invitation.mailed_token() == token  # the salt and the hash alone do not give it
    old_key, settings.SECRET_KEY = settings.SECRET_KEY, "een nieuwe geheime sleutel " * 2
    assert invitation.mailed_token() is None
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert invitation.mailed_token() == token

    settings.SECRET_KEY_FALLBACKS = []  # the old key gone: an unsent mail gets a new link
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=None, last_attempt_at=None)
    assert invitations.invitations_send_due() == (1, 1)
    new_link = link_from_mail(mail.outbox[-1])
    assert new_link != link
    assert client.get(new_link)["Location"] == "/registreren/wachtwoord/"
