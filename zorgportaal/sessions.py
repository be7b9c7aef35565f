"""Session lifetimes (an idle timeout, an absolute lifetime, a short code step), and a new
session key at every change of the journey's stage."""

import time

import django_otp
from django.conf import settings
from django.contrib import auth

from . import audit
from .journey import Stage, current_stage

STARTED_KEY = "auth_started_at"
SEEN_KEY = "auth_seen_at"
SEEN_WRITE_INTERVAL = 60  # seconds; saves a session write on every request
STAGE_KEY = "journey_stage"


def start_clock(sender, request, user, **kwargs):
    """Runs at every auth.login: the password step, or the account made by an invitation."""
    now = time.time()
    request.session[STARTED_KEY] = now
    request.session[SEEN_KEY] = now


def second_factor_given(request, device) -> None:
    """The session now holds both factors: a fresh key, since it carries more rights."""
    request.session.cycle_key()  # no fixated session id may share the new rights
    django_otp.login(request, device)


def session_end(request) -> None:
    """Log out on the server, whatever stage the session was in, and say so in the trail."""
    if request.user.is_authenticated:
        audit.record("logout", request=request, subject=request.user)
    auth.logout(request)


def is_expired(session, *, code_pending: bool, now: float | None = None) -> bool:
    """Too long idle, too old, or (half logged in) too long on the code step."""
    now = now or time.time()
    started = session.get(STARTED_KEY, now)
    seen = session.get(SEEN_KEY, now)
    if code_pending and now - started > settings.LOGIN_CODE_STEP_SECONDS:
        return True
    return now - seen > settings.SESSION_IDLE_SECONDS or now - started > settings.SESSION_COOKIE_AGE


def touch(session, *, now: float | None = None) -> None:
    now = now or time.time()
    if now - session.get(SEEN_KEY, 0) > SEEN_WRITE_INTERVAL:
        session[SEEN_KEY] = now


def follow_stage(request, stage: Stage) -> None:
    """A new key when a logged-in session's stage is not the one it had at its last request.

    A stage also changes between requests, by someone else: the helpdesk verifies the person
    (HELPDESK to PORTAL), a factor the session logged in with is removed. An id known at the
    lower stage must not carry the higher one, and the old id must stop existing.
    """
    session = request.session
    if request.user.is_authenticated:
        recorded = session.get(STAGE_KEY)
        if recorded != stage:
            if recorded is not None:
                session.cycle_key()
            session[STAGE_KEY] = stage.value
    request.session_key_at_gate = session.session_key


def record_stage_after_rotation(request) -> None:
    """A view that rotated the key itself (login, the code, a bound factor) moved the stage on
    in the same request: record where it went, so the next request does not rotate again."""
    if not hasattr(request, "session_key_at_gate"):  # the gate did not run: a 404, say
        return
    if request.session.session_key == request.session_key_at_gate:
        return
    if request.user.is_authenticated:
        request.session[STAGE_KEY] = current_stage(request).value
