"""Real parallel transactions: a code counts once and a token binds one person, whatever the timing.

SQLite runs one writer at a time, so these run on PostgreSQL only:
DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
    .venv/bin/pytest tests/tokens/test_concurrency.py
"""

import pytest
from django.db import connection
from django.test import RequestFactory

from accounts.models import Organisation, User
from tests.support import at_once
from tokens import services
from tokens.models import AppDevice, HardwareTokenDevice
from tokens.testing import code_for, confirmed_app_device, device_code, inventory_token

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL for parallel transactions"
    ),
]


def test_the_same_code_verified_twice_at_once_succeeds_once(clock):
    person = User.objects.create_user("anna@delinde.example", "x")
    device = confirmed_app_device(person)
    code = device_code(device)

    def verify():
        return AppDevice.objects.get(pk=device.pk).verify_token(code)

    results = at_once(*[verify] * 4)
    assert sorted(results) == [False, False, False, True]


def test_the_same_token_linked_by_two_people_at_once_binds_exactly_one(clock):
    secret = b"twenty bytes of seed"
    organisation = Organisation.objects.create(name="Huisartsenpraktijk De Linde")
    token = inventory_token(secret=secret, organisation=organisation)
    people = [
        User.objects.create_user(f"persoon{n}@delinde.example", "x", organisation=organisation)
        for n in range(2)
    ]
    code = code_for(secret)

    def link(person):
        def attempt():
            try:
                request = RequestFactory().post("/")
                request.user = person
                services.token_link(user=person, serial=token.serial, code=code, request=request)
            except services.TokenLinkError as error:
                return error.reason
            return "linked"

        return attempt

    results = at_once(*[link(person) for person in people])
    assert sorted(results) == ["linked", "not_linkable"]
    device = HardwareTokenDevice.objects.get()
    assert device.confirmed
    assert device.user.email == f"persoon{results.index('linked')}@delinde.example"
