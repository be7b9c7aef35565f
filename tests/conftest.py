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
    """Invite an address as the servicedesk would; returns (invitation, link path from the mail)."""
    from accounts.invitations import invitations_create

    def make(address="anna.devries@delinde.example"):
        with django_capture_on_commit_callbacks(execute=True):
            invitations_create(text=address, organisation=organisation, role=role)
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
