"""Logging in: the password, then the one-time code, throttled per account and per client."""

import django_otp
from django.contrib import auth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tokens import services as token_services
from zorgportaal import audit, throttle
from zorgportaal.requests import client_ip
from zorgportaal.stepup import mark_fresh

from .models import User, normalize_email


class LoginRefused(Exception):
    """One message for every refusal of a kind, so the answer tells nothing about accounts."""

    def __init__(self, message: str, *, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code  # "throttled" while a wait lasts


WRONG_PASSWORD = _(
    "Het e-mailadres of wachtwoord klopt niet. Controleer beide en probeer het opnieuw."
)
WRONG_CURRENT_PASSWORD = _("Uw huidige wachtwoord klopt niet. Vul het opnieuw in.")
WRONG_CODE = _(
    "Deze code klopt niet of is al gebruikt. Wacht op een nieuwe code en probeer het opnieuw."
)


def _keys(request, kind: str, identity: str) -> tuple[str, str]:
    return (
        throttle.key_for(f"{kind}-account", identity),
        throttle.key_for(f"{kind}-client", client_ip(request)),
    )


def _refuse_while_throttled(
    request, keys, *, factor: str, subject_email: str = "", subject=None, event="login.throttled"
):
    """Refuse while a key waits; the trail gets the 1st, 10th, 100th … refusal, not each one."""
    wait = throttle.seconds_to_wait(list(keys))
    if not wait:
        return
    audit.record_refusal(
        event,
        keys=list(keys),
        request=request,
        subject=subject,
        subject_email=subject_email,
        factor=factor,
    )
    raise LoginRefused(throttle.wait_message(wait), code="throttled")


def _count_failure(keys) -> None:
    account_key, client_key = keys
    throttle.record_failure(account_key, throttle.ACCOUNT)
    throttle.record_failure(client_key, throttle.CLIENT)


def password_login(request, *, email: str, password: str) -> User:
    """Check the password; on success the session is half logged in (rotated by auth.login).

    Unknown address, wrong password, inactive account: the same message, and Django's
    ModelBackend hashes a dummy password for unknown addresses so the time is alike too.
    """
    email = normalize_email(email)
    keys = _keys(request, "password", email)
    _refuse_while_throttled(request, keys, factor="password", subject_email=email)
    user = auth.authenticate(request, username=email, password=password)
    if user is None:
        _count_failure(keys)
        audit.record(
            "login.failed", request=request, success=False, subject_email=email, factor="password"
        )
        raise LoginRefused(WRONG_PASSWORD)
    throttle.reset(keys[0])
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    audit.record("login.password_accepted", request=request, subject=user)
    return user


def password_check(request, *, user: User, password: str) -> None:
    """The current password in Mijn account, under the login's limits and with its counts.

    Someone at an unlocked session must not guess the password here without the waits of the
    login page: failures in either place count together, per account and per client.
    """
    keys = _keys(request, "password", normalize_email(user.email))
    _refuse_while_throttled(
        request, keys, factor="password", subject=user, event="password.check_throttled"
    )
    if not user.check_password(password):
        _count_failure(keys)
        audit.record("password.check_failed", request=request, success=False, subject=user)
        raise LoginRefused(WRONG_CURRENT_PASSWORD, code="wrong_password")
    throttle.reset(keys[0])


def code_login(request, *, device, code: str) -> None:
    """Check the one-time code; on success the session is fully logged in and rotated again."""
    check_code(request, device=device, code=code)
    django_otp.login(request, device)
    request.session.cycle_key()
    mark_fresh(request)
    _mark_full_login(request.user)
    audit.record(
        "login.succeeded", request=request, subject=request.user, device=device.persistent_id
    )


def check_code(request, *, device, code: str) -> None:
    """A current code of this person's device, throttled per account and client, or refused."""
    user = request.user
    keys = _keys(request, "code", str(user.pk))
    _refuse_while_throttled(request, keys, factor="code", subject=user)
    refusal = token_services.device_refusal(device)
    if refusal:
        raise LoginRefused(refusal.message)
    if not token_services.device_verify(device, code, request=request):
        _count_failure(keys)
        audit.record(
            "login.failed",
            request=request,
            success=False,
            subject=user,
            factor="code",
            device=device.persistent_id,
        )
        raise LoginRefused(WRONG_CODE)
    throttle.reset(keys[0])


def confirm_code(request, *, device, code: str) -> None:
    """Step-up inside the portal: a current code makes the next minutes "fresh"."""
    check_code(request, device=device, code=code)
    mark_fresh(request)
    audit.record("stepup.succeeded", request=request, subject=request.user)


def _mark_full_login(user: User) -> None:
    user.previous_login = user.last_login
    user.last_login = timezone.now()
    user.save(update_fields=["previous_login", "last_login"])


def password_throttle_reset(email: str) -> None:
    """A new password (reset by mail) lifts the wait on this account's password step."""
    throttle.reset(throttle.key_for("password-account", normalize_email(email)))
