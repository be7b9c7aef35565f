"""Shared fixtures: named people and things, a clock, mail and the database under test."""

import os
import re

import pytest
from django.core import mail

from accounts.models import Invitation, Organisation, Role, User

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

GOOD_PASSWORD = "paarse olifant danst op het dak"


@pytest.fixture(autouse=True)
def _fast_settings(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://portaal.example.nl"
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Production defaults that tests replace (tests/test_production_*.py test the real ones):
    # mail goes out at once, and static URLs need no collected manifest.
    settings.MAIL_QUEUE = "immediate"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def organisation(db):
    return Organisation.objects.create(name="Huisartsenpraktijk De Linde")


@pytest.fixture
def role(db):
    return Role.objects.create(name="Doktersassistent")


@pytest.fixture
def servicedesk(db):
    """A servicedesk employee: staff with the invitation permissions."""
    from django.contrib.auth.models import Permission

    user = User.objects.create_user(
        "servicedesk@topicus.example", GOOD_PASSWORD, is_staff=True, first_name="Sanne"
    )
    user.user_permissions.set(Permission.objects.filter(codename__endswith="invitation"))
    return user


@pytest.fixture
def invite(organisation, role, django_capture_on_commit_callbacks):
    """Invite an address as the servicedesk would, with a name unless `name` is "";
    returns (invitation, link path from the mail)."""
    from accounts.invitations import invitations_create

    def make(address="anna.devries@delinde.example", name="Anna de Vries"):
        text = f"{name} <{address}>" if name else address
        with django_capture_on_commit_callbacks(execute=True):
            invitations_create(text=text, organisation=organisation, role=role)
        invitation = Invitation.objects.get(email=address)
        return invitation, link_from_mail(mail.outbox[-1])

    return make


def link_from_mail(message) -> str:
    """The registration link's path, read from the plain-text body as a person would."""
    match = re.search(r"https://portaal\.example\.nl(/uitnodiging/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def registered_client(client, invite):
    """A session that opened its link and chose a password: at "Authenticatiemiddel kiezen"."""
    invitation, link = invite()
    client.get(link)
    client.post(
        "/registreren/wachtwoord/", {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    client.user = User.objects.get(email=invitation.email)
    return client


def totp_now(device, *, offset_steps: int = 0) -> str:
    """The code the person's app or token shows now, computed from the device's secret."""
    from django_otp.oath import totp

    return f"{totp(device.secret(), step=device.step, digits=6, drift=offset_steps):06d}"


@pytest.fixture
def person(organisation, role):
    """Anna: registered, verified by the helpdesk, with a confirmed authenticator app."""
    from django.utils import timezone

    from tokens.models import AppDevice

    user = User.objects.create_user(
        "anna.devries@delinde.example",
        GOOD_PASSWORD,
        first_name="Anna",
        last_name="de Vries",
        organisation=organisation,
        role=role,
        identity_verified_at=timezone.now(),
    )
    user.app = AppDevice.objects.create(user=user, name="Authenticator-app", confirmed=True)
    return user


def log_in(client, user, *, device=None, password=GOOD_PASSWORD):
    """Walk the login: password, then the code of the person's (first) device."""
    device = device or user.app
    client.post("/inloggen/", {"email": user.email, "password": password})
    return client.post(
        "/inloggen/code/", {"device": device.persistent_id, "code": totp_now(device)}
    )


def give_app(user):
    """A verified person with a confirmed authenticator app, ready to log in."""
    from django.utils import timezone

    from tokens.models import AppDevice

    user.identity_verified_at = user.identity_verified_at or timezone.now()
    user.save(update_fields=["identity_verified_at"])
    user.app = AppDevice.objects.create(user=user, name="Authenticator-app", confirmed=True)
    return user


@pytest.fixture
def servicedesk_client(client, servicedesk):
    """The servicedesk employee, logged in with both factors."""
    log_in(client, give_app(servicedesk))
    return client
