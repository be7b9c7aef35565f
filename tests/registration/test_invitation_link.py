"""The invitation link (manual 2.1): it opens the registration, and a bad link says why."""

import pytest
from django.utils import timezone

from accounts.models import Invitation
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD_URL = "/registreren/wachtwoord/"


def test_opening_the_link_moves_on_to_a_url_without_the_token(client, invite):
    _, link = invite()
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == PASSWORD_URL
    assert "no-store" in response["Cache-Control"]


def test_opening_the_link_twice_does_not_use_it_up(client, invite):
    """Mail scanners open links before the person does."""
    _, link = invite()
    client.get(link)
    client.get(link)
    response = client.get(link)
    assert response["Location"] == PASSWORD_URL


@pytest.mark.parametrize(
    ("reason", "status", "heading"),
    [
        ("invalid", 404, "Deze registratielink is ongeldig"),
        ("expired", 410, "Deze registratielink is verlopen"),
        ("used", 410, "Deze registratielink is al gebruikt"),
        ("revoked", 410, "Deze registratielink is ingetrokken"),
    ],
)
def test_a_bad_link_gets_a_page_that_says_why(client, invite, reason, status, heading):
    invitation, link = invite()
    if reason == "invalid":
        link = "/uitnodiging/dit-is-geen-bestaande-link/"
    elif reason == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    elif reason == "used":
        Invitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    else:
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    response = client.get(link)
    assert response.status_code == status
    page = response.content.decode()
    assert heading in page
    assert "servicedesk" in page
    assert AuditEvent.objects.filter(event="invitation.opened", outcome="failure").count() == 1


def test_opening_a_new_link_while_registered_starts_that_invitation(registered_client, invite):
    _, link = invite("tweede@delinde.example")
    registered_client.get(link)
    page = registered_client.get(PASSWORD_URL).content.decode()
    assert "tweede@delinde.example" in page
