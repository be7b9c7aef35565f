"""Bad input, by hand: unknown hosts, huge bodies and uploads, very long fields, and Unicode
that looks the same but is not (the property-based tests are in test_fuzz_forms.py)."""

import io
import unicodedata
from unittest import mock

import pytest
from django.contrib import auth
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.test import Client

from accounts.invitations import invitations_create, parse_address_list
from accounts.models import Invitation, User, normalize_email
from tests.support import GOOD_PASSWORD, log_in, unverify
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


@pytest.mark.parametrize("host", ["evil.example", "portaal.example.nl.evil.example", "x" * 300])
def test_an_unknown_host_header_is_refused(host):
    response = Client(raise_request_exception=False).get("/inloggen/", HTTP_HOST=host)
    assert response.status_code == 400
    assert "Dit verzoek kunnen we niet verwerken" in response.content.decode()


def test_a_body_announced_far_over_the_limit_is_refused_unread(settings):
    response = Client().generic(
        "POST",
        "/inloggen/",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(settings.MAX_REQUEST_BYTES + 1),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "te groot" in response.content.decode()


def test_a_big_upload_goes_to_disk_and_is_refused_by_its_size_before_parsing(client, person):
    log_in(client, person)
    big = io.BytesIO(b"upn,serial number\n" + b"x" * (1024 * 1024))
    big.name = "tokens.csv"
    with mock.patch("tokens.services.tokens_import_azure_csv") as parse:
        response = client.post("/mijn-account/azure-csv/", {"csv_file": big})
    assert response.status_code == 200
    assert "Het bestand is te groot (1,0\xa0MB)" in response.content.decode()
    parse.assert_not_called()
    assert isinstance(response.wsgi_request.FILES["csv_file"], TemporaryUploadedFile)


def test_too_many_fields_is_a_bad_request_not_an_error(client):
    data = {f"f{i}": "x" for i in range(1500)}
    response = Client(raise_request_exception=False).post("/inloggen/", data)
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("field", "size"),
    [("email", 100_000), ("password", 100_000), ("next", 100_000)],
)
def test_very_long_login_fields_are_refused_without_hashing(person, field, size):
    data = {"email": person.email, "password": GOOD_PASSWORD, field: "a" * size}
    with mock.patch("django.contrib.auth.authenticate", wraps=auth.authenticate) as authenticate:
        response = Client().post("/inloggen/", data)
    if field == "next":  # ignored when not a safe URL; the login goes on
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        authenticate.assert_not_called()


def test_a_very_long_chat_message_is_refused(client, person, open_helpdesk):
    unverify(person)
    log_in(client, person)
    client.post("/verificatie/chat/starten/")
    from verification.models import Conversation

    conversation = Conversation.objects.get(person=person)
    response = client.post(f"/verificatie/chat/{conversation.pk}/bericht/", {"text": "a" * 50_000})
    assert response.status_code == 400
    assert not conversation.messages.exists()


# Unicode


def test_a_password_typed_as_nfd_matches_the_nfc_one(client, invite):
    nfc = unicodedata.normalize("NFC", "één café naïef genoeg")
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    _invitation, link = invite()
    client.get(link)
    client.post("/registreren/wachtwoord/", {"password1": nfc, "password2": nfd})
    user = User.objects.get()
    assert user.check_password(nfc)
    assert Client().post("/inloggen/", {"email": user.email, "password": nfd})["Location"] == (
        "/inloggen/code/"
    )


ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]


@pytest.mark.parametrize("invisible", ZERO_WIDTH)
def test_invisible_characters_are_removed_from_addresses(invisible):
    assert normalize_email(f"anna{invisible}.devries@delinde.example") == (
        "anna.devries@delinde.example"
    )
    assert normalize_email(f"ANNA.devries@delinde{invisible}.example ") == (
        "anna.devries@delinde.example"
    )


def test_fullwidth_letters_become_plain_ones():
    assert normalize_email("ａｎｎａ@delinde.example") == "anna@delinde.example"


@pytest.mark.parametrize("invisible", ZERO_WIDTH)
def test_a_zero_width_address_logs_in_to_the_real_account_only(person, invisible):
    address = f"anna.devries{invisible}@delinde.example"
    response = Client().post("/inloggen/", {"email": address, "password": GOOD_PASSWORD})
    assert response["Location"] == "/inloggen/code/"
    event = AuditEvent.objects.get(event="login.password_accepted")
    assert event.subject == person


@pytest.mark.parametrize("invisible", ZERO_WIDTH)
def test_the_invite_list_makes_no_look_alike_of_a_known_address(
    person, organisation, role, invisible
):
    valid, invalid, duplicates = parse_address_list(
        f"anna.devries{invisible}@delinde.example\nanna.devries@delinde.example"
    )
    assert (valid, invalid, duplicates) == (
        ["anna.devries@delinde.example"],
        [],
        ["anna.devries@delinde.example"],
    )
    report = invitations_create(
        text=f"anna.devries{invisible}@delinde.example", organisation=organisation, role=role
    )
    assert report.existing_accounts == ["anna.devries@delinde.example"]
    assert not Invitation.objects.exists()


def test_an_address_of_only_invisible_characters_is_invalid():
    assert parse_address_list("\u200b\u200d") == ([], ["\u200b\u200d"], [])


def test_a_nul_character_in_the_query_string_is_refused_with_a_400(client):
    response = client.get("/inloggen/", {"next": "/portaal/\x00"})
    assert response.status_code == 400
