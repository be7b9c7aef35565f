"""Session lifetimes: an idle timeout, an absolute lifetime, and a short code step."""

import time

from django.conf import settings

STARTED_KEY = "auth_started_at"
SEEN_KEY = "auth_seen_at"
SEEN_WRITE_INTERVAL = 60  # seconds; saves a session write on every request


def start_clock(sender, request, user, **kwargs):
    """Runs at every auth.login: the password step, or the account made by an invitation."""
    now = time.time()
    request.session[STARTED_KEY] = now
    request.session[SEEN_KEY] = now


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
