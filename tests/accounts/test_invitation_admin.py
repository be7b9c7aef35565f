"""The servicedesk's admin pages: invite, follow the status, resend, revoke."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Invitation, User
from tests.support import invite_in_admin, link_from_mail
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/invitation/"
INVITE = "/admin/accounts/invitation/uitnodigen/"


def test_the_servicedesk_invites_a_pasted_list_and_sees_what_happened(
    servicedesk_client, organisation, role, django_capture_on_commit_callbacks
):
    User.objects.create_user("bestaat@delinde.example", "x")
    response = invite_in_admin(
        servicedesk_client,
        organisation,
        role,
        django_capture_on_commit_callbacks,
        addresses="een@delinde.example\ntwee@delinde.example\neen@delinde.example\n"
        "bestaat@delinde.example\nkapot@",
    )
    page = response.content.decode()
    assert "Uitgenodigd (2): een@delinde.example, twee@delinde.example" in page
    assert "Dubbel in de lijst, één keer uitgenodigd (1): een@delinde.example" in page
    assert "Heeft al een account (1): bestaat@delinde.example" in page
    assert "Geen geldig e-mailadres (1): kapot@" in page
    assert sorted(m.to[0] for m in mail.outbox) == ["een@delinde.example", "twee@delinde.example"]
    assert set(Invitation.objects.values_list("invited_by__email", flat=True)) == {
        "servicedesk@topicus.example"
    }


def test_the_invite_form_reports_missing_fields(servicedesk_client):
    response = servicedesk_client.post(INVITE, {"addresses": ""})
    assert response.status_code == 200
    assert "Dit veld is verplicht." in response.content.decode()


def test_the_list_shows_status_and_who_invited(servicedesk_client, invite):
    invitation, _ = invite()
    Invitation.objects.filter(pk=invitation.pk).update(
        invited_by=User.objects.get(email="servicedesk@topicus.example")
    )
    page = servicedesk_client.get(CHANGELIST).content.decode()
    assert invitation.email in page
    assert "verstuurd" in page
    assert "servicedesk@topicus.example" in page


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({}, "sent"),
        ({"opened_at": timezone.now()}, "opened"),
        ({"used_at": timezone.now()}, "used"),
        ({"revoked_at": timezone.now()}, "revoked"),
        ({"expires_at": timezone.now() - timedelta(days=1)}, "expired"),
        ({"sent_at": None, "send_failed_at": timezone.now()}, "failed"),
        ({"sent_at": None}, "queued"),
    ],
)
def test_the_status_filter_finds_each_status(servicedesk_client, invite, change, status):
    invitation, _ = invite()
    Invitation.objects.filter(pk=invitation.pk).update(**change)
    invitation.refresh_from_db()
    assert invitation.status_at(timezone.now()) == status
    page = servicedesk_client.get(CHANGELIST, {"status": status}).content.decode()
    assert invitation.email in page
    other = next(s for s in Invitation.Status.values if s != status)
    assert (
        invitation.email
        not in servicedesk_client.get(CHANGELIST, {"status": other}).content.decode()
    )


def test_the_list_needs_the_same_queries_for_many_invitations(
    servicedesk_client, organisation, role, django_assert_max_num_queries
):
    def add(count, start):
        Invitation.objects.bulk_create(
            Invitation(
                email=f"p{n}@delinde.example",
                organisation=organisation,
                role=role,
                token_hash=f"{n:064d}",
            )
            for n in range(start, start + count)
        )

    add(5, 0)
    with django_assert_max_num_queries(12) as few:
        servicedesk_client.get(CHANGELIST)
    add(95, 5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        servicedesk_client.get(CHANGELIST)


def test_the_status_filter_needs_the_same_queries_for_many_invitations(
    servicedesk_client, organisation, role, django_assert_max_num_queries
):
    def add(count, start):
        Invitation.objects.bulk_create(
            Invitation(
                email=f"p{n}@delinde.example",
                organisation=organisation,
                role=role,
                token_hash=f"{n:064d}",
                sent_at=timezone.now() if n % 2 else None,
            )
            for n in range(start, start + count)
        )

    add(6, 0)
    with django_assert_max_num_queries(12) as few:
        page = servicedesk_client.get(CHANGELIST, {"status": "sent"}).content.decode()
    assert "p1@delinde.example" in page and "p2@delinde.example" not in page
    assert page.count('<td class="field-status_label">verstuurd</td>') == 3
    add(94, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = servicedesk_client.get(CHANGELIST, {"status": "sent"}).content.decode()
    assert "p99@delinde.example" in page and "p98@delinde.example" not in page


def test_the_detail_page_shows_the_status(servicedesk_client, invite):
    invitation, _ = invite()
    Invitation.objects.filter(pk=invitation.pk).update(opened_at=timezone.now())
    page = servicedesk_client.get(f"{CHANGELIST}{invitation.pk}/change/").content.decode()
    assert '<div class="readonly">geopend</div>' in page


def test_resend_gives_a_new_link_and_kills_the_old_one(servicedesk_client, client, invite):
    invitation, old_link = invite()
    servicedesk_client.post(
        CHANGELIST, {"action": "resend", "_selected_action": [invitation.pk]}, follow=True
    )
    new_link = link_from_mail(mail.outbox[-1])
    assert new_link != old_link
    from django.test import Client

    assert Client().get(old_link).status_code == 404
    assert Client().get(new_link).status_code == 302
    assert AuditEvent.objects.filter(
        event="invitation.resent", actor__email="servicedesk@topicus.example"
    ).exists()


def test_revoke_from_the_list(servicedesk_client, invite):
    invitation, _link = invite()
    response = servicedesk_client.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [invitation.pk]}, follow=True
    )
    assert "1 uitnodiging ingetrokken." in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status_at(timezone.now()) == Invitation.Status.REVOKED


def test_an_invitation_cannot_be_edited_in_the_admin(servicedesk_client, invite):
    invitation, _ = invite()
    page = servicedesk_client.get(f"{CHANGELIST}{invitation.pk}/change/").content.decode()
    assert "token_hash" not in page
    assert 'name="email"' not in page
