"""The password page (manual 2.2): the account is made from the invitation, and every way to go
wrong."""

import pytest
from django.utils import timezone

from accounts.models import Invitation, User
from tests.support import GOOD_PASSWORD

pytestmark = pytest.mark.django_db

PASSWORD_URL = "/registreren/wachtwoord/"
CHOOSE_URL = "/registreren/authenticatiemiddel/"


def post_password(client, first, second=None):
    return client.post(
        PASSWORD_URL, {"password1": first, "password2": first if second is None else second}
    )


def test_the_password_page_shows_the_invited_address_read_only(client, invite):
    invitation, link = invite()
    client.get(link)
    page = client.get(PASSWORD_URL).content.decode()
    assert "Account voor Topicus Zorgportaal instellen" in page
    assert "Controleer uw e-mailadres en kies een wachtwoord." in page
    assert f'value="{invitation.email}" readonly autocomplete="username"' in page
    assert 'autocomplete="new-password"' in page
    assert "Vul het wachtwoord ter controle nogmaals in" in page
    assert "Tips & trucs" in page
    assert "Stap 1 van 4" in page
    assert "Wachtwoord instellen – ZorgPortaal</title>" in page


def test_choosing_a_password_makes_the_account_and_uses_the_invitation(client, invite):
    invitation, link = invite()
    client.get(link)
    response = post_password(client, GOOD_PASSWORD)
    assert response["Location"] == CHOOSE_URL
    user = User.objects.get(email=invitation.email)
    assert user.check_password(GOOD_PASSWORD)
    assert user.organisation == invitation.organisation
    assert user.role == invitation.role
    assert not user.is_identity_verified
    invitation.refresh_from_db()
    assert invitation.status_at(timezone.now()) == Invitation.Status.USED
    assert invitation.user == user
    page = client.get(CHOOSE_URL).content.decode()
    assert "Gebruik token" in page
    assert "Gebruik app" in page
    assert "Begin opnieuw" in page
    assert "Stap 2 van 4" in page


def test_the_session_key_changes_when_the_account_is_made(client, invite):
    _, link = invite()
    client.get(link)
    before = client.session.session_key
    post_password(client, GOOD_PASSWORD)
    assert client.session.session_key != before


def test_a_tampered_email_field_changes_nothing(client, invite):
    invitation, link = invite()
    client.get(link)
    client.post(
        PASSWORD_URL,
        {"email": "aanvaller@example.org", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert list(User.objects.values_list("email", flat=True)) == [invitation.email]


def test_mismatched_passwords_are_shown_at_the_second_field(client, invite):
    _, link = invite()
    client.get(link)
    response = post_password(client, GOOD_PASSWORD, GOOD_PASSWORD + "!")
    assert response.status_code == 200
    page = response.content.decode()
    assert "De twee wachtwoorden zijn niet gelijk" in page
    assert 'href="#id_password2"' in page
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kort", "Dit wachtwoord is te kort. Gebruik minstens 8 tekens"),
        ("password123", "Dit wachtwoord wordt zo vaak gebruikt dat het makkelijk te raden is."),
        ("anna.devries", "Dit wachtwoord lijkt te veel op uw e-mailadres."),
        ("x" * 1025, "Dit wachtwoord is te lang."),
    ],
)
def test_each_password_rule_says_what_is_wrong_in_dutch(client, invite, password, message):
    _, link = invite()
    client.get(link)
    response = post_password(client, password)
    assert message in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "password",
    [
        "        spaties tellen mee",
        "wachtwoordzin met ümlaut en ß",
        "１２３４５６７８９ full width",
    ],
)
def test_any_unicode_and_spaces_are_allowed_without_composition_rules(client, invite, password):
    _, link = invite()
    client.get(link)
    assert post_password(client, password)["Location"] == CHOOSE_URL


def test_the_password_is_normalised_so_nfc_and_nfd_match(client, invite):
    _, link = invite()
    client.get(link)
    nfd = "cafe\u0301 op het plein"
    post_password(client, nfd)
    assert User.objects.get().check_password("caf\u00e9 op het plein")


def test_a_link_that_expires_while_the_form_is_open_is_refused(client, invite):
    invitation, link = invite()
    client.get(link)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    response = post_password(client, GOOD_PASSWORD)
    assert response.status_code == 410
    assert "verlopen" in response.content.decode()
    assert not User.objects.exists()


def test_a_link_resent_while_the_form_is_open_is_refused(client, invite):
    from accounts.invitations import invitation_resend

    invitation, link = invite()
    client.get(link)
    invitation_resend(invitation)
    response = post_password(client, GOOD_PASSWORD)
    assert response.status_code == 404
    assert not User.objects.exists()


def test_a_second_browser_with_the_same_link_cannot_make_a_second_account(client, invite):
    from django.test import Client

    _, link = invite()
    other = Client()
    client.get(link)
    other.get(link)
    post_password(client, GOOD_PASSWORD)
    response = post_password(other, GOOD_PASSWORD)
    assert response.status_code == 410
    assert "al gebruikt" in response.content.decode()
    assert User.objects.count() == 1


def test_begin_opnieuw_returns_to_the_password_step_which_may_be_changed(registered_client):
    response = registered_client.post("/registreren/opnieuw/")
    assert response["Location"] == PASSWORD_URL
    page = registered_client.get(PASSWORD_URL).content.decode()
    assert registered_client.user.email in page
    assert post_password(registered_client, "een heel ander wachtwoord")["Location"] == CHOOSE_URL
    registered_client.user.refresh_from_db()
    assert registered_client.user.check_password("een heel ander wachtwoord")
    assert User.objects.count() == 1
