"""Logging in (manual 2.8): the password, then the one-time code or the key; or a passkey
alone ("Inloggen met passkey", issue 16).

Each is throttled per account and per client (`accounts.passwords`, `tokens.codes`,
`tokens.webauthn`).
"""

from django.contrib import auth
from django.utils import timezone

from accounts.backends import ACCOUNT_BACKEND
from accounts.models import User, normalize_email
from accounts.passwords import (
    WRONG_PASSWORD,
    LoginRefused,
    count_failure,
    password_keys,
    refuse_while_throttled,
)
from tokens import webauthn
from tokens.codes import one_time_code_check
from zorgportaal import audit, throttle
from zorgportaal.sessions import second_factor_given
from zorgportaal.stepup import mark_fresh


def password_login(request, *, email: str, password: str) -> User:
    """Check the password; on success the session is half logged in (rotated by auth.login).

    Unknown address, wrong password, inactive account: the same message, and Django's
    ModelBackend hashes a dummy password for unknown addresses so the time is alike too.
    """
    email = normalize_email(email)
    keys = password_keys(request, email)
    refuse_while_throttled(request, keys, factor="password", subject_email=email)
    user = auth.authenticate(request, username=email, password=password)
    if user is None:
        count_failure(keys)
        audit.record(
            "login.failed", request=request, success=False, subject_email=email, factor="password"
        )
        raise LoginRefused(WRONG_PASSWORD)
    throttle.reset(keys[0])
    auth.login(request, user, backend=ACCOUNT_BACKEND)
    audit.record("login.password_accepted", request=request, subject=user)
    return user


def code_login(request, *, device, code: str) -> None:
    """Check the one-time code; on success the session is fully logged in and rotated again."""
    one_time_code_check(request, device=device, code=code)
    _logged_in(request, device, password=True)


def passkey_login(request, *, device) -> None:
    """The person's key answered (`tokens.webauthn.authentication_check`, throttled with the
    codes): the session is fully logged in and rotated, exactly as after a code."""
    _logged_in(request, device, password=True, factor="webauthn")


def passkey_only_login(request, *, device) -> None:
    """ "Inloggen met passkey": a passkey with user verification answered in place of password
    and code (`tokens.webauthn.passwordless_check`); from here on as after both."""
    auth.login(request, device.user, backend=ACCOUNT_BACKEND)
    _logged_in(request, device, password=False, factor="webauthn", passwordless=True)


def _logged_in(request, device, *, password: bool, **details) -> None:
    second_factor_given(request, device, methods=webauthn.login_methods(device, password=password))
    mark_fresh(request)
    _mark_full_login(request.user)
    audit.record(
        "login.succeeded",
        request=request,
        subject=request.user,
        device=device.persistent_id,
        **details,
    )


def _mark_full_login(user: User) -> None:
    """The dashboard shows the login before this one (the manual's "Laatste inlog")."""
    user.previous_login = user.last_login
    user.last_login = timezone.now()
    user.save(update_fields=["previous_login", "last_login"])
