"""Faults the portal survives: the mail provider down, the database gone for a moment, Redis
gone, and a crash in the middle of a registration step."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Invitation, User
from tests.support import DOWN_MAIL_BACKEND, GOOD_PASSWORD, fail_queries, give_app, log_in
from tokens.models import AppDevice, HardwareTokenDevice
from tokens.testing import device_code
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


# The mail provider down


def test_mail_down_loses_nothing_shows_in_the_admin_and_is_retried(
    settings, client, servicedesk, organisation, role, django_capture_on_commit_callbacks
):
    from accounts.invitations import invitations_create

    settings.EMAIL_BACKEND = DOWN_MAIL_BACKEND
    with django_capture_on_commit_callbacks(execute=True):
        invitations_create(text="pech@delinde.example", organisation=organisation, role=role)
    invitation = Invitation.objects.get(email="pech@delinde.example")
    assert invitation.status_at(timezone.now()) == Invitation.Status.FAILED
    assert mail.outbox == []

    log_in(client, give_app(servicedesk))
    page = client.get("/admin/accounts/invitation/?status=failed").content.decode()
    assert "pech@delinde.example" in page
    assert "verzenden mislukt" in page
    detail = client.get(f"/admin/accounts/invitation/{invitation.pk}/change/").content.decode()
    assert "ConnectionRefusedError" in detail  # the last error, for the servicedesk
    assert AuditEvent.objects.filter(event="invitation.sent", outcome="failure").count() == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        call_command("send_invitations", stdout=open("/dev/null", "w"))  # noqa: SIM115
    invitation.refresh_from_db()
    assert invitation.status_at(timezone.now()) == Invitation.Status.SENT
    assert [m.to for m in mail.outbox] == [["pech@delinde.example"]]
    page = client.get("/admin/accounts/invitation/?status=sent").content.decode()
    assert "pech@delinde.example" in page


# The database gone for a moment


def test_a_lost_database_gives_a_dutch_503_without_traceback_and_recovers(person):
    client = Client(raise_request_exception=False)
    log_in(client, person)
    with fail_queries(1):
        response = client.get("/portaal/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "ZorgPortaal is even niet beschikbaar" in page
    assert "Traceback" not in page
    assert "OperationalError" not in page
    assert client.get("/portaal/").status_code == 200  # no restart needed


def test_a_lost_database_during_a_login_post_asks_to_try_again(person):
    client = Client(raise_request_exception=False)
    with fail_queries(1):
        response = client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    assert response.status_code == 503
    response = client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    assert response["Location"] == "/inloggen/code/"


def test_another_error_gives_the_dutch_500_page(person):
    client = Client(raise_request_exception=False)
    log_in(client, person)
    with mock.patch("portal.views.render", side_effect=RuntimeError("kapot")):
        response = client.get("/portaal/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Er ging iets mis" in page
    assert "kapot" not in page
    assert "Traceback" not in page


# Redis gone


def test_with_redis_gone_sessions_fall_back_to_the_database(settings, person, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "zorgportaal.cache.TolerantRedisCache",
            "LOCATION": CLOSED_PORT_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.SESSION_ENGINE = "zorgportaal.sessionstores.cached_db"
    client = Client(raise_request_exception=False)
    response = log_in(client, person)
    assert response["Location"] == "/portaal/"
    assert client.get("/portaal/").status_code == 200
    assert client.post("/uitloggen/").status_code == 302
    assert "Redis unavailable" in caplog.text


def test_djangos_own_redis_cache_would_fail_every_page(settings, person):
    """Why the tolerant backend: cached_db sessions do not catch every cache error."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_PORT_REDIS,
        }
    }
    settings.SESSION_ENGINE = "zorgportaal.sessionstores.cached_db"
    client = Client(raise_request_exception=False)
    response = client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    assert response.status_code == 500  # a new session asks the cache whether its key exists


def test_production_settings_use_the_tolerant_backend_with_redis(monkeypatch):
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; django.setup(); "
            "print(settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE)",
        ],
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "zorgportaal.settings",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == [
        "zorgportaal.cache.TolerantRedisCache",
        "zorgportaal.sessionstores.cached_db",
    ]


# A crash in the middle of a registration step


def crash_on(event_name):
    """Make the audit trail raise at one event, as a crash at that point would."""
    from zorgportaal import audit

    real = audit.record

    def record(event, **kwargs):
        if event == event_name:
            raise RuntimeError(f"crash at {event}")
        return real(event, **kwargs)

    return mock.patch("zorgportaal.audit.record", record)


def test_a_crash_after_the_account_row_leaves_no_half_made_account(invite):
    invitation, link = invite()
    client = Client(raise_request_exception=False)
    client.get(link)
    form = {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    with crash_on("invitation.used"):
        response = client.post("/registreren/wachtwoord/", form)
    assert response.status_code == 500
    assert not User.objects.filter(email=invitation.email).exists()
    invitation.refresh_from_db()
    assert invitation.used_at is None and invitation.user is None
    # The person tries again with the same link and session: it works.
    assert client.post("/registreren/wachtwoord/", form)["Location"] == (
        "/registreren/authenticatiemiddel/"
    )
    assert User.objects.filter(email=invitation.email).count() == 1


def test_a_crash_while_confirming_the_app_leaves_no_confirmed_device(registered_client):
    client = registered_client
    client.raise_request_exception = False
    client.get("/registreren/app/")
    device = AppDevice.objects.get(user=client.user)
    with mock.patch("tokens.services.discard_unfinished", side_effect=RuntimeError("crash")):
        response = client.post("/registreren/app/", {"code": device_code(device)})
    assert response.status_code == 500
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/portaal/")["Location"] == "/registreren/authenticatiemiddel/"


def test_a_crash_while_linking_a_token_leaves_it_unlinked(registered_client):
    from tokens.testing import code_for, inventory_token

    seed = bytes(range(20))
    inventory_token("1000000101", secret=seed, organisation=registered_client.user.organisation)
    client = registered_client
    client.raise_request_exception = False
    with mock.patch("tokens.services.discard_unfinished", side_effect=RuntimeError("crash")):
        response = client.post(
            "/registreren/token/", {"serial": "1000000101", "code": code_for(seed)}
        )
    assert response.status_code == 500
    assert not HardwareTokenDevice.objects.filter(confirmed=True).exists()
