"""Mijn account → Azure CSV: a person with an account uploads the file of their tokens (SPEC 9)."""

import django_otp

from accounts.models import User
from tests.support import TOKEN_CSV, text, upload
from tokens.models import AzureCsvImport
from tokens.testing import confirmed_app_device

MYACCOUNT_CSV = "/mijn-account/azure-csv/"


def test_a_linked_token_user_uploads_a_csv_in_mijn_account(client, organisation):
    person = User.objects.create_user("anna@delinde.example", "x", organisation=organisation)
    person.identity_verified_at = person.date_joined
    person.save()
    device = confirmed_app_device(person)
    client.force_login(person)
    session = client.session
    session[django_otp.DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    page = client.get(MYACCOUNT_CSV)
    assert page.status_code == 200
    assert "Azure CSV uploaden" in text(page)
    response = upload(client, MYACCOUNT_CSV, TOKEN_CSV)
    assert response["Location"] == MYACCOUNT_CSV
    assert "De CSV is succesvol ge-upload" in text(client.get(MYACCOUNT_CSV))
    assert AzureCsvImport.objects.get().source == AzureCsvImport.Source.MYACCOUNT


def test_mijn_account_csv_is_closed_during_registration(registered_client):
    assert registered_client.get(MYACCOUNT_CSV).status_code == 302
