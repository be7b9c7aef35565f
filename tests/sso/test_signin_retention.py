"""Retention in single sign-on (`manage.py purge`): the services a login reached and the logout
messages they were sent, 90 days after the login ended; the library's expired tokens."""

import secrets
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from sso.models import LogoutNotice, SignIn
from sso.retention import service_tokens_purge, signins_purge
from tests.support import days_ago, logged_in
from zorgportaal.models import LoginSession

from .relying_party import RelyingParty

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(db):
    return RelyingParty.register()


def login(person, service, name, *, ended_days_ago=None, signed_in_days_ago=100):
    """A login of `person` that reached `service`, and the logout message it was sent."""
    ended = days_ago(ended_days_ago) if ended_days_ago is not None else None
    LoginSession.objects.create(
        user=person, login_id=name, session_key=name, started_at=days_ago(101), ended_at=ended
    )
    application = service.service.application
    SignIn.objects.create(
        user=person,
        application=application,
        login_id=name,
        authenticated_at=days_ago(signed_in_days_ago),
        code_hash=secrets.token_hex(32),
        created_at=days_ago(signed_in_days_ago),
    )
    if ended is not None:
        LogoutNotice.objects.create(
            application=application,
            user=person,
            login_id=name,
            reason="logout",
            created_at=ended,
            sent_at=ended,
        )


def logins_left(model) -> set[str]:
    return set(model.objects.values_list("login_id", flat=True))


def test_what_a_login_left_at_the_services_goes_90_days_after_it_ended(clock, person, service):
    login(person, service, "lang-geleden", ended_days_ago=91)
    login(person, service, "kort-geleden", ended_days_ago=89)
    login(person, service, "nog-open")
    login(person, service, "record-al-weg", ended_days_ago=95)
    LoginSession.objects.filter(login_id="record-al-weg").delete()  # purged first tonight

    assert signins_purge(now=timezone.now()) == 4  # two sign-ins, two logout messages

    assert logins_left(SignIn) == {"kort-geleden", "nog-open"}
    assert logins_left(LogoutNotice) == {"kort-geleden"}


def test_the_login_period_is_a_setting(clock, person, service, settings):
    settings.LOGIN_RETENTION_DAYS = 30
    login(person, service, "maand", ended_days_ago=31, signed_in_days_ago=32)
    login(person, service, "week", ended_days_ago=7, signed_in_days_ago=8)

    assert signins_purge(now=timezone.now()) == 2
    assert logins_left(SignIn) == {"week"}


def test_a_services_tokens_go_once_expired_and_not_before(person, service):
    browser = logged_in(person)
    service.sign_in(browser)

    assert service_tokens_purge(now=timezone.now()) == 0

    # Past the access token (5 minutes) and the refresh token's idle time (8 hours).
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        assert service_tokens_purge(now=timezone.now()) == 3  # access, refresh and ID token
        assert service_tokens_purge(now=timezone.now()) == 0
