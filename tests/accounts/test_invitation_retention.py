"""Retention in accounts (`manage.py purge`): invitations nobody accepted, and reset mails."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Invitation, PasswordResetMail, User
from accounts.retention import invitations_purge, password_reset_mails_purge
from tests.support import days_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def invitation(invite, address, **dates) -> Invitation:
    made, _link = invite(address, name="")
    Invitation.objects.filter(pk=made.pk).update(**dates)
    return made


def remaining() -> set[str]:
    return set(Invitation.objects.values_list("email", flat=True))


def test_invitations_never_accepted_go_90_days_after_they_expired_or_were_revoked(frozen, invite):
    invitation(invite, "verlopen.lang@delinde.example", expires_at=days_ago(91))
    invitation(invite, "verlopen.kort@delinde.example", expires_at=days_ago(89))
    invitation(
        invite, "ingetrokken.lang@delinde.example", expires_at=days_ago(80), revoked_at=days_ago(91)
    )
    # Revoked after it expired: its period runs from the revocation.
    invitation(
        invite,
        "ingetrokken.kort@delinde.example",
        expires_at=days_ago(120),
        revoked_at=days_ago(89),
    )
    invitation(invite, "open@delinde.example")

    assert invitations_purge(now=timezone.now()) == 2

    assert remaining() == {
        "verlopen.kort@delinde.example",
        "ingetrokken.kort@delinde.example",
        "open@delinde.example",
    }


def test_an_accepted_invitation_stays_with_its_account(frozen, invite, organisation):
    accepted = invitation(invite, "anna@delinde.example")
    user = User.objects.create_user("anna@delinde.example", organisation=organisation)
    Invitation.objects.filter(pk=accepted.pk).update(
        used_at=days_ago(400), expires_at=days_ago(390), user=user
    )

    assert invitations_purge(now=timezone.now()) == 0
    assert remaining() == {"anna@delinde.example"}


def test_the_invitation_period_is_a_setting(frozen, invite, settings):
    settings.INVITATION_RETENTION_DAYS = 7
    invitation(invite, "verlopen@delinde.example", expires_at=days_ago(8))
    invitation(invite, "net.verlopen@delinde.example", expires_at=days_ago(6))

    assert invitations_purge(now=timezone.now()) == 1
    assert remaining() == {"net.verlopen@delinde.example"}


def test_reset_mails_go_7_days_after_they_were_asked_for_sent_or_not(frozen, organisation):
    people = [User.objects.create_user(f"p{n}@delinde.example") for n in range(3)]
    PasswordResetMail.objects.create(user=people[0], requested_at=days_ago(8), sent_at=days_ago(8))
    PasswordResetMail.objects.create(user=people[1], requested_at=days_ago(9))  # never sent
    recent = PasswordResetMail.objects.create(
        user=people[2], requested_at=days_ago(6), sent_at=days_ago(6)
    )

    assert password_reset_mails_purge(now=timezone.now()) == 2
    assert list(PasswordResetMail.objects.all()) == [recent]
