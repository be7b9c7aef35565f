"""Plain helpers the tests call: people with a factor, logging in, agents, waiting for something.

Fixtures live in tests/conftest.py and use these. Elsewhere, once: the code a person's app or
token shows is `tokens.testing` (`device_code`, `code_for`, `seed_of`); a free port and a
browser for a real server are `bench.browser` (the bench tools use them outside pytest); the
browser walks are tests/browser/journeys.py.
"""

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.contrib.auth.models import Permission
from django.db import connections, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import User
from tokens.testing import confirmed_app_device, device_code

GOOD_PASSWORD = "paarse olifant danst op het dak"


def link_from_mail(message) -> str:
    """The registration link's path, read from the plain-text body as a person would."""
    match = re.search(r"https://portaal\.example\.nl(/uitnodiging/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def with_app(user: User) -> User:
    """A confirmed authenticator app, as after enrolment (no helpdesk verification)."""
    user.app = confirmed_app_device(user)
    return user


def give_app(user: User) -> User:
    """A verified person with a confirmed authenticator app, ready to log in."""
    user.identity_verified_at = user.identity_verified_at or timezone.now()
    user.save(update_fields=["identity_verified_at"])
    return with_app(user)


def unverify(user: User) -> User:
    """Registered, but not (or no longer) verified by the helpdesk."""
    user.identity_verified_at = None
    user.save(update_fields=["identity_verified_at"])
    return user


def make_agent(
    email: str = "sanne@topicus.example",
    first_name: str = "Sanne",
    *,
    last_name: str = "Bakker",
    serves=None,
    permission: bool = True,
    staff: bool = True,
    verified: bool = True,
) -> User:
    """A helpdesk agent with an authenticator app: of the central servicedesk (serving every
    organisation), or of the organisations in `serves` (none: `serves=[]`). `verified=False`:
    as made in the admin, waiting for an administrator to vouch for them."""
    agent = User.objects.create_user(
        email,
        GOOD_PASSWORD,
        is_staff=staff,
        first_name=first_name,
        last_name=last_name,
        serves_all_organisations=serves is None,
    )
    if serves:
        agent.served_organisations.set(serves)
    if permission:
        agent.user_permissions.add(
            Permission.objects.get(codename="helpdesk", content_type__app_label="verification")
        )
    return give_app(agent) if verified else with_app(agent)


def log_in(client, user, *, device=None, password=GOOD_PASSWORD):
    """Walk the login: password, then the code of the person's (first) device."""
    device = device or user.app
    client.post("/inloggen/", {"email": user.email, "password": password})
    return client.post(
        "/inloggen/code/", {"device": device.persistent_id, "code": device_code(device)}
    )


def logged_in(user, *, client: Client | None = None) -> Client:
    """A browser (a new Client unless given) logged in as `user` with both factors."""
    client = client or Client()
    log_in(client, user)
    return client


def wait_for(condition: Callable[[], object], message: str, *, seconds: float = 10.0):
    """Poll `condition` until it holds; fail with `message` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.02)


def at_once(*calls):
    """Run each call in its own thread with its own connection, released at the same moment
    (PostgreSQL tests of real parallel transactions)."""
    start = threading.Barrier(len(calls))

    def run(call):
        try:
            start.wait()
            return call()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [future.result() for future in [pool.submit(run, call) for call in calls]]


@contextmanager
def row_locked_elsewhere(model, pk):
    """Hold a row locked in another thread and connection (a second worker, say) while the
    body runs; PostgreSQL only, as SQLite has no row locks."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                model.objects.select_for_update().get(pk=pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(10)
        yield
    finally:
        release.set()
        thread.join()
