"""An invitation's status has one definition: a list reads it with its rows (`with_status`),
one invitation asks `status_at`; both give the same answer for every combination of dates."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import Invitation

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(hours=1)
SENT = NOW - timedelta(hours=3)
Status = Invitation.Status


def status_as_the_servicedesk_reads_it(invitation, now) -> Invitation.Status:
    """The order the admin has always shown, written out plainly: the first that holds."""
    if invitation.revoked_at:
        return Status.REVOKED
    if invitation.used_at:
        return Status.USED
    if invitation.expires_at <= now:
        return Status.EXPIRED
    if invitation.opened_at:
        return Status.OPENED
    failed = invitation.send_failed_at
    if failed and (not invitation.sent_at or failed > invitation.sent_at):
        return Status.FAILED
    if invitation.sent_at:
        return Status.SENT
    return Status.QUEUED


def every_combination_of_dates(organisation, role) -> list[Invitation]:
    deliveries = [
        (None, None),
        (None, SENT),
        (SENT, None),
        (SENT, SENT - timedelta(minutes=1)),  # failed, then a resend went out
        (SENT, SENT),
        (SENT, SENT + timedelta(minutes=1)),
    ]
    combinations = itertools.product(
        [None, EARLIER],  # revoked_at
        [None, EARLIER],  # used_at
        [NOW - timedelta(days=1), NOW, NOW + timedelta(days=1)],  # expires_at
        [None, EARLIER],  # opened_at
        deliveries,  # sent_at, send_failed_at
    )
    return [
        Invitation(
            email=f"p{n}@delinde.example",
            organisation=organisation,
            role=role,
            token_hash=f"{n:064d}",
            revoked_at=revoked,
            used_at=used,
            expires_at=expires,
            opened_at=opened,
            sent_at=sent,
            send_failed_at=failed,
        )
        for n, (revoked, used, expires, opened, (sent, failed)) in enumerate(combinations)
    ]


def test_a_list_and_a_single_invitation_agree_on_every_combination_of_dates(organisation, role):
    invitations = every_combination_of_dates(organisation, role)
    expected = {inv.email: status_as_the_servicedesk_reads_it(inv, NOW) for inv in invitations}
    alone = {inv.email: inv.status_at(NOW) for inv in invitations}  # not saved yet
    Invitation.objects.bulk_create(invitations)
    listed = dict(Invitation.objects.with_status(NOW).values_list("email", "status"))
    assert len(expected) == 144 and set(expected.values()) == set(Status)
    assert {email: s for email, s in alone.items() if s != expected[email]} == {}
    assert {email: s for email, s in listed.items() if s != expected[email]} == {}


def test_a_saved_invitation_reads_the_same_status_alone_as_in_a_list(organisation, role):
    invitations = every_combination_of_dates(organisation, role)
    Invitation.objects.bulk_create(invitations)
    for invitation in Invitation.objects.with_status(NOW):
        assert invitation.status_at(NOW) == invitation.status, invitation.email
