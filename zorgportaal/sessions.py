"""Session lifetimes (an idle timeout, an absolute lifetime, a short code step), and a new
session key at every change of the journey's stage."""

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module

import django_otp
from django.conf import settings
from django.contrib import auth
from django.dispatch import Signal
from django.utils import timezone

from . import audit
from .journey import Stage, current_stage
from .models import LoginSession
from .requests import client_ip

STARTED_KEY = "auth_started_at"
SEEN_KEY = "auth_seen_at"
SEEN_WRITE_INTERVAL = 60  # seconds; saves a session write on every request
STAGE_KEY = "journey_stage"
LOGIN_ID_KEY = "login_id"  # one login: stays while the session key rotates (OIDC `sid`)
LOGIN_AT_KEY = "login_at"  # when both factors were given (OIDC `auth_time`)
METHODS_KEY = "login_methods"  # how (RFC 8176 `amr`), a key proven later in the login added


# Logins ended: one (`login_id`), or all of a person's but `keep_login_id`, with a `reason`.
# Single sign-on tells the services they signed in to (sso.backchannel): the machinery here
# need not know them.
logins_ended = Signal()


@dataclass(frozen=True)
class Login:
    """One completed two-factor login, as the services behind single sign-on see it."""

    id: str
    at: float
    methods: tuple[str, ...]


def start_clock(sender, request, user, **kwargs):
    """Runs at every auth.login: the password step, or the account made by an invitation."""
    now = time.time()
    request.session[STARTED_KEY] = now
    request.session[SEEN_KEY] = now


def second_factor_given(request, device, *, methods: list[str]) -> None:
    """The session now holds both factors: a fresh key, since it carries more rights, and a
    login of its own that the person and the services can see and end. `methods` says how
    (the `amr` of RFC 8176: "pwd", "otp", "hwk" …)."""
    request.session.cycle_key()  # no fixated session id may share the new rights
    django_otp.login(request, device)
    login_id = secrets.token_urlsafe(16)
    request.session[LOGIN_ID_KEY] = login_id
    request.session[LOGIN_AT_KEY] = time.time()
    request.session[METHODS_KEY] = list(methods)
    LoginSession.objects.create(
        user=request.user,
        login_id=login_id,
        session_key=request.session.session_key,
        user_agent=request.headers.get("User-Agent", "")[:300],
        client_ip=client_ip(request) or None,
    )


def current_login(request) -> Login | None:
    """The two-factor login this session holds, or None before the second factor."""
    session = request.session
    if LOGIN_ID_KEY not in session or getattr(request.user, "otp_device", None) is None:
        return None
    methods = tuple(session.get(METHODS_KEY, ()))  # () for a login made before they were kept
    return Login(id=session[LOGIN_ID_KEY], at=session[LOGIN_AT_KEY], methods=methods)


def methods_add(request, methods: list[str]) -> None:
    """A further proof within this login (a service asked for a key): the login now names it
    too, "mfa" staying last."""
    known = [m for m in request.session.get(METHODS_KEY, ()) if m != "mfa"]
    added = [m for m in methods if m not in known and m != "mfa"]
    request.session[METHODS_KEY] = [*known, *added, "mfa"]


def session_end(request, *, reason: str = "logout") -> None:
    """Log out on the server, whatever stage the session was in, and say so in the trail."""
    user, login_id = request.user, request.session.get(LOGIN_ID_KEY)
    if user.is_authenticated:
        audit.record("logout", request=request, subject=user)
    auth.logout(request)
    if user.is_authenticated and login_id:
        logins_ended_mark(user, login_id=login_id, reason=reason)


def logins_end_elsewhere(user, *, reason: str, request=None) -> None:
    """Every login of this person but the request's own (none, after a reset by mail) has
    ended: a new security stamp or password took their sessions."""
    keep = request.session.get(LOGIN_ID_KEY) if request is not None else None
    logins_ended_mark(user, keep_login_id=keep, reason=reason)


def login_session_end(login_session: LoginSession, *, reason: str) -> None:
    """End one login from elsewhere (Mijn account, "Sessies"): its session goes at once."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore(session_key=login_session.session_key).delete()
    logins_ended_mark(login_session.user, login_id=login_session.login_id, reason=reason)


def logins_expired_end(*, now=None, should_stop=lambda: False) -> tuple[int, int]:
    """The worker's round: logins whose session ran out without coming back (idle or too old)
    end now, so their services hear of it too. (ended, attempted)."""
    now = now or timezone.now()
    expired = LoginSession.objects.filter(ended_at=None).exclude(
        pk__in=LoginSession.objects.live(now=now).values("pk")
    )
    ended = 0
    for record in expired.select_related("user")[:500]:
        if should_stop():
            break
        logins_ended_mark(record.user, login_id=record.login_id, reason="expired")
        ended += 1
    return ended, ended


def logins_ended_mark(user, *, reason: str, login_id=None, keep_login_id=None) -> None:
    """Note the end on the login's record and tell who listens (the services)."""
    ended = LoginSession.objects.filter(user=user, ended_at=None)
    if login_id is not None:
        ended = ended.filter(login_id=login_id)
    elif keep_login_id is not None:
        ended = ended.exclude(login_id=keep_login_id)
    ended.update(ended_at=timezone.now(), end_reason=reason)
    logins_ended.send(
        __name__, user=user, login_id=login_id, keep_login_id=keep_login_id, reason=reason
    )


def is_expired(session, *, code_pending: bool, now: float | None = None) -> bool:
    """Too long idle, too old, or (half logged in) too long on the code step."""
    now = now or time.time()
    started = session.get(STARTED_KEY, now)
    seen = session.get(SEEN_KEY, now)
    if code_pending and now - started > settings.LOGIN_CODE_STEP_SECONDS:
        return True
    return now - seen > settings.SESSION_IDLE_SECONDS or now - started > settings.SESSION_COOKIE_AGE


def touch(session, *, now: float | None = None) -> None:
    """Note activity, at most once a minute: in the session and on its login's record."""
    now = now or time.time()
    if now - session.get(SEEN_KEY, 0) > SEEN_WRITE_INTERVAL:
        session[SEEN_KEY] = now
        if LOGIN_ID_KEY in session:
            seen = datetime.fromtimestamp(now, tz=UTC)
            LoginSession.objects.filter(login_id=session[LOGIN_ID_KEY]).update(last_seen_at=seen)


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
