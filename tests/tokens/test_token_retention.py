"""Retention of the token inventory (`manage.py purge`): tokens nobody ever linked, with their
seeds, and the CSV imports that brought them in."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import User
from tests.support import days_ago
from tokens import services
from tokens.models import AzureCsvImport, HardwareToken
from tokens.retention import csv_imports_purge, unclaimed_tokens_purge
from tokens.testing import code_for, inventory_token

pytestmark = pytest.mark.django_db

SEED = b"twenty bytes of seed"


def imported(serial, organisation, *, days, **fields) -> HardwareToken:
    token = inventory_token(serial, organisation=organisation, **fields)
    HardwareToken.objects.filter(pk=token.pk).update(created_at=days_ago(days))
    AzureCsvImport.objects.filter(pk=token.csv_import_id).update(created_at=days_ago(days))
    return token


def link(token, organisation, address):
    person = User.objects.create_user(address, "x", organisation=organisation)
    request = RequestFactory().post("/registreren/token/", REMOTE_ADDR="198.51.100.9")
    request.user = person
    return services.token_link(
        user=person, serial=token.serial, code=code_for(SEED), request=request
    )


def serials() -> set[str]:
    return set(HardwareToken.objects.values_list("serial", flat=True))


def test_a_token_nobody_linked_goes_a_year_after_its_import_seed_and_all(clock, organisation):
    imported("1000000101", organisation, days=366, upn="anna@delinde.example")
    imported("1000000102", organisation, days=364)

    assert unclaimed_tokens_purge(now=timezone.now()) == 1

    assert serials() == {"1000000102"}


def test_a_linked_token_stays_and_so_does_one_its_holder_removed(clock, organisation):
    in_use = imported("1000000101", organisation, days=400, secret=SEED)
    link(in_use, organisation, "anna@delinde.example")
    returned = imported("1000000102", organisation, days=400, secret=SEED)
    services.device_remove(
        link(returned, organisation, "bram@delinde.example"), last_factor_allowed=True
    )
    assert not hasattr(HardwareToken.objects.get(serial="1000000102"), "device")

    assert unclaimed_tokens_purge(now=timezone.now()) == 0
    assert serials() == {"1000000101", "1000000102"}


def test_the_token_period_is_a_setting(clock, organisation, settings):
    settings.UNCLAIMED_TOKEN_RETENTION_DAYS = 30
    imported("1000000101", organisation, days=31)
    imported("1000000102", organisation, days=29)

    assert unclaimed_tokens_purge(now=timezone.now()) == 1
    assert serials() == {"1000000102"}


def test_a_csv_import_goes_after_a_year_once_none_of_its_tokens_is_left(clock, organisation):
    emptied = imported("1000000101", organisation, days=366).csv_import
    HardwareToken.objects.filter(csv_import=emptied).delete()
    kept_by_its_token = imported("1000000102", organisation, days=366, secret=SEED).csv_import
    link(HardwareToken.objects.get(serial="1000000102"), organisation, "anna@delinde.example")
    recent = imported("1000000103", organisation, days=364).csv_import
    HardwareToken.objects.filter(csv_import=recent).delete()

    assert csv_imports_purge(now=timezone.now()) == 1

    assert set(AzureCsvImport.objects.all()) == {kept_by_its_token, recent}


def test_the_command_takes_an_import_with_its_last_unclaimed_token_the_same_night(
    clock, organisation
):
    imported("1000000101", organisation, days=366)
    out = StringIO()

    call_command("purge", stdout=out)

    assert not HardwareToken.objects.exists()
    assert not AzureCsvImport.objects.exists()
    lines = out.getvalue().splitlines()
    assert "1 nooit gekoppeld hardware token verwijderd (bewaartermijn 365 dagen)" in lines
    assert "1 Azure CSV-import verwijderd (bewaartermijn 365 dagen)" in lines
