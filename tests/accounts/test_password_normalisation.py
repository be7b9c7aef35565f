"""One password, however it is typed or wherever it is set: the account hashes and checks its
NFKC form (accounts.models.User), and every rule measures that form (accounts.validators).

"é" typed on one device may arrive as one character (NFC) and on another as "e" and a combining
accent (NFD); a full-width "ｐａｓｓｗｏｒｄ" is "password" under NFKC. Registration, the login,
the admin, `createsuperuser` and `changepassword` must agree on which password that is.
"""

import unicodedata
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from django.contrib import auth
from django.contrib.auth.hashers import MD5PasswordHasher, check_password, make_password
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from tests.support import GOOD_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = "/inloggen/"
CODE_URL = "/inloggen/code/"
PASSWORD_URL = "/registreren/wachtwoord/"
CHOOSE_URL = "/registreren/authenticatiemiddel/"

NFC = unicodedata.normalize("NFC", "één café, naïef genoeg")
NFD = unicodedata.normalize("NFD", NFC)
TOO_LONG = "Dit wachtwoord is te lang. Gebruik hoogstens 1024 tekens."


def register(client, invite, password: str):
    _invitation, link = invite()
    client.get(link)
    return client.post(PASSWORD_URL, {"password1": password, "password2": password})


def log_in_with_password(email: str, password: str):
    return Client().post(LOGIN_URL, {"email": email, "password": password})


def test_nfc_and_nfd_differ_in_these_tests():
    assert NFC != NFD
    assert unicodedata.normalize("NFKC", NFD) == NFC


def test_six_hundred_decomposed_accents_register_and_then_log_in(client, invite):
    password = "e\u0301" * 600  # 1200 characters as sent, 600 after NFKC
    assert register(client, invite, password)["Location"] == CHOOSE_URL
    response = log_in_with_password("anna.devries@delinde.example", password)
    assert response.status_code == 302
    assert response["Location"] == CODE_URL


def test_a_password_set_on_the_admins_add_form_in_nfd_logs_in_typed_as_nfc(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {"email": "jan.jansen@delinde.example", "password1": NFD, "password2": NFD},
    )
    assert response.status_code == 302, response.content.decode()
    assert log_in_with_password("jan.jansen@delinde.example", NFC)["Location"] == CODE_URL


def test_a_password_set_on_the_admins_password_page_in_nfd_logs_in_typed_as_nfc(
    admin_client, person
):
    response = admin_client.post(
        f"/admin/accounts/user/{person.pk}/password/",
        {"usable_password": "true", "password1": NFD, "password2": NFD},
    )
    assert response.status_code == 302, response.content.decode()
    assert log_in_with_password(person.email, NFC)["Location"] == CODE_URL


def test_a_password_given_to_createsuperuser_in_nfd_logs_in_typed_as_nfc(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", NFD)
    call_command("createsuperuser", interactive=False, email="beheer@topicus.example")
    assert log_in_with_password("beheer@topicus.example", NFC)["Location"] == CODE_URL


def test_a_password_given_to_changepassword_in_nfd_logs_in_typed_as_nfc(person):
    with mock.patch("getpass.getpass", return_value=NFD):
        call_command("changepassword", person.email, stdout=mock.Mock())
    assert log_in_with_password(person.email, NFC)["Location"] == CODE_URL


def test_authenticate_finds_the_account_whichever_form_is_typed(person):
    person.set_password(NFD)
    person.save()
    for typed in (NFC, NFD):
        assert auth.authenticate(username=person.email, password=typed) == person
        assert async_to_sync(auth.aauthenticate)(username=person.email, password=typed) == person


def test_a_legacy_hash_of_a_raw_nfd_password_still_logs_in_and_is_upgraded(person):
    """Before, the admin and createsuperuser hashed the password as typed."""
    User.objects.filter(pk=person.pk).update(password=make_password(NFD))
    assert log_in_with_password(person.email, NFD)["Location"] == CODE_URL
    person.refresh_from_db()
    assert check_password(NFC, person.password)  # the hash is of the NFKC form now
    assert log_in_with_password(person.email, NFC)["Location"] == CODE_URL


@pytest.mark.parametrize(("typed", "hashes"), [("x" * 12, 1), ("e\u0301" * 12, 2)])
def test_a_wrong_password_costs_as_many_hashes_for_an_unknown_address_as_for_a_known_one(
    person, typed, hashes
):
    """A typed form that is not NFKC is checked against a legacy hash too, a second hash; an
    unknown address must cost as much, or the time of the answer tells who has an account."""
    counts = []
    for email in (person.email, "niemand@delinde.example"):
        with mock.patch.object(
            MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode
        ) as encode:
            assert log_in_with_password(email, typed).status_code == 200
        counts.append(encode.call_count)
    assert counts == [hashes, hashes]


@pytest.mark.parametrize(
    ("password", "allowed"),
    [
        ("e\u0301" * 1024, True),  # 2048 characters as sent, 1024 after NFKC
        ("\ufb03" * 342, False),  # 342 ligatures "ﬃ" as sent, 1026 letters after NFKC
    ],
)
def test_the_length_limit_applies_to_the_normalised_form_at_registration_and_login(
    client, invite, password, allowed
):
    response = register(client, invite, password)
    if allowed:
        assert response["Location"] == CHOOSE_URL
    else:
        assert TOO_LONG in response.content.decode()
        assert not User.objects.exists()
    with mock.patch("django.contrib.auth.authenticate", wraps=auth.authenticate) as authenticate:
        response = log_in_with_password("anna.devries@delinde.example", password)
    if allowed:
        assert response["Location"] == CODE_URL
    else:
        assert response.status_code == 200
        assert TOO_LONG in response.content.decode()
        authenticate.assert_not_called()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("e\u0301" * 4, "Dit wachtwoord is te kort. Gebruik minstens 8 tekens"),
        (
            "ｐａｓｓｗｏｒｄ１２３",
            "Dit wachtwoord wordt zo vaak gebruikt dat het makkelijk te raden is.",
        ),
        ("ａｎｎａ．ｄｅｖｒｉｅｓ", "Dit wachtwoord lijkt te veel op uw e-mailadres."),
        ("\ufb03" * 342, TOO_LONG),
    ],
)
def test_each_rule_judges_the_normalised_form_on_the_admins_password_page_in_dutch(
    admin_client, person, password, message
):
    response = admin_client.post(
        f"/admin/accounts/user/{person.pk}/password/",
        {"usable_password": "true", "password1": password, "password2": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(GOOD_PASSWORD)
