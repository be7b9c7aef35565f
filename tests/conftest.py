"""Shared fixtures: named people and things, a clock, mail and the database under test.

Each is defined here once; the plain helpers they use are in tests/support.py.
"""

import os
import time

import pytest
import time_machine
from django.core import mail

from accounts.models import Invitation, Organisation, Role, User
from tests.own_redis import RedisServer
from tests.support import (
    GOOD_PASSWORD,
    give_app,
    link_from_mail,
    log_in,
    logged_in,
    make_agent,
    unverify,
    with_app,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop


@pytest.fixture(autouse=True)
def _no_subjects_remembered():
    """Test databases reuse ids (rolled back or flushed), which production never does."""
    from sso.claims import KNOWN_SUBJECTS

    KNOWN_SUBJECTS.clear()


@pytest.fixture(autouse=True)
def _fast_settings(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://portaal.example.nl"
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Production defaults that tests replace (tests/accounts/test_*_mail_queue.py and
    # tests/zorgportaal/test_production_serving.py test the real ones): mail goes out at once,
    # and static URLs need no collected manifest.
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


@pytest.fixture
def person(organisation, role):
    """Anna: registered, verified by the helpdesk, with a confirmed authenticator app."""
    from django.utils import timezone

    user = User.objects.create_user(
        "anna.devries@delinde.example",
        GOOD_PASSWORD,
        first_name="Anna",
        last_name="de Vries",
        organisation=organisation,
        role=role,
        identity_verified_at=timezone.now(),
    )
    return with_app(user)


@pytest.fixture
def unverified(person):
    """Anna, registered through an invitation but not yet verified by the helpdesk."""
    return unverify(person)


@pytest.fixture
def open_helpdesk(settings):
    """The helpdesk is open whenever the test runs (the real hours are tested on their own)."""
    settings.HELPDESK_OPENING_HOURS = "mon-sun 00:00-24:00"
    settings.HELPDESK_HOLIDAYS = ""


@pytest.fixture
def agent(organisation):
    """Sanne of the helpdesk, serving Anna's organisation (De Linde), with an app."""
    return make_agent(serves=[organisation])


@pytest.fixture
def console(agent):
    """The helpdesk console: the agent, logged in with both factors."""
    return logged_in(agent)


@pytest.fixture
def clock():
    """Time stands still 5 s into a minute (so 5 s into a 30 s and a 60 s time step): the codes
    do not change while a test runs. `clock.shift(seconds)` moves on."""
    now = int(time.time())
    with time_machine.travel(now - now % 60 + 5, tick=False) as traveller:
        yield traveller


@pytest.fixture
def administrator(db):
    """An administrator: a superuser with an authenticator app."""
    return give_app(User.objects.create_superuser("beheer@topicus.example", GOOD_PASSWORD))


@pytest.fixture
def admin_client(administrator):
    """The administrator in a browser of their own, logged in with both factors (the journey
    gate lets pytest-django's forced login no further); `admin_client.user` is who."""
    client = logged_in(administrator)
    client.user = administrator
    return client


@pytest.fixture
def servicedesk_client(client, servicedesk):
    """The servicedesk employee, logged in with both factors."""
    log_in(client, give_app(servicedesk))
    return client


@pytest.fixture
def worker_mode(settings):
    """Mail as in production: queued in the request, sent by the mail worker."""
    settings.MAIL_QUEUE = "worker"


@pytest.fixture
def own_redis(tmp_path, monkeypatch):
    """A redis-server of this test's own (tests/own_redis.py), with fresh circuit breakers."""
    monkeypatch.setattr("zorgportaal.cache._breakers", {}, raising=False)
    server = RedisServer(tmp_path)
    yield server
    server.kill()


@pytest.fixture
def listener():
    """A service's back-channel logout address on this machine, recording each logout token."""
    from tests.sso.relying_party import Listener

    running = Listener()
    yield running
    running.close()
