"""One invitation, used once: two parallel submissions make exactly one account (PostgreSQL)."""

import pytest
from django.db import connection
from django.test import Client

from accounts.models import User
from tests.support import GOOD_PASSWORD, at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real parallel transactions need PostgreSQL"
    ),
]


def test_the_same_link_submitted_twice_at_once_makes_one_account(invite):
    def submit(browser):
        return lambda: (
            browser.post(
                "/registreren/wachtwoord/", {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
            ).status_code
        )

    for round_ in range(5):  # several rounds: a lucky interleaving must not hide a race
        invitation, link = invite(f"gelijktijdig{round_}@delinde.example")
        browsers = [Client(), Client()]
        for browser in browsers:
            browser.get(link)
        statuses = at_once(*(submit(b) for b in browsers))
        assert sorted(statuses) == [302, 410]
        assert User.objects.filter(email=invitation.email).count() == 1
        invitation.refresh_from_db()
        assert invitation.user.email == invitation.email
