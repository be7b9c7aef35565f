"""Checking a person's password under limits, and what follows when it changes.

Failures count per account and per client address (`zorgportaal.throttle`), wherever the
password is typed: at the login and in Mijn account alike. The one-time code's check
(`tokens.codes`) counts the same way and refuses with the same exception.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from zorgportaal import audit, emails, sessions, throttle
from zorgportaal.requests import client_ip

from .models import normalize_email


class LoginRefused(Exception):
    """One message for every refusal of a kind, so the answer tells nothing about accounts."""

    def __init__(self, message: str, *, reason: str = "refused"):
        super().__init__(message)
        self.message = message
        self.reason = reason  # "throttled" while a wait lasts


WRONG_PASSWORD = _(
    "Het e-mailadres of wachtwoord klopt niet. Controleer beide en probeer het opnieuw."
)
WRONG_CURRENT_PASSWORD = _("Uw huidige wachtwoord klopt niet. Vul het opnieuw in.")


def throttle_keys(request, kind: str, identity: str) -> tuple[str, str]:
    """The account's key and the client's key for one kind of secret ("password", "code")."""
    return (
        throttle.key_for(f"{kind}-account", identity),
        throttle.key_for(f"{kind}-client", client_ip(request)),
    )


def refuse_while_throttled(
    request, keys, *, factor: str, subject_email: str = "", subject=None, event="login.throttled"
) -> None:
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
    raise LoginRefused(throttle.wait_message(wait), reason="throttled")


def count_failure(keys) -> None:
    account_key, client_key = keys
    throttle.record_failure(account_key, throttle.ACCOUNT)
    throttle.record_failure(client_key, throttle.CLIENT)


def password_keys(request, email: str) -> tuple[str, str]:
    return throttle_keys(request, "password", normalize_email(email))


def password_check(request, *, user: AbstractBaseUser, password: str) -> None:
    """The current password in Mijn account, under the login's limits and with its counts.

    Someone at an unlocked session must not guess the password here without the waits of the
    login page: failures in either place count together, per account and per client.
    """
    keys = password_keys(request, user.email)
    refuse_while_throttled(
        request, keys, factor="password", subject=user, event="password.check_throttled"
    )
    if not user.check_password(password):
        count_failure(keys)
        audit.record("password.check_failed", request=request, success=False, subject=user)
        raise LoginRefused(WRONG_CURRENT_PASSWORD, reason="wrong_password")
    throttle.reset(keys[0])


def password_changed(request, *, user, reset_by_mail: bool) -> None:
    """After a reset or a change: the audit event, and a mail so a stranger's change is noticed.

    A reset by mail also lifts the wait on the account's password step.
    """
    if reset_by_mail:
        throttle.reset(throttle.key_for("password-account", normalize_email(user.email)))
        audit.record("password_reset.done", request=request, subject=user, actor=user)
    else:
        audit.record("password.changed", request=request, subject=user)
    sessions.logins_end_elsewhere(
        user, reason="password_changed", request=None if reset_by_mail else request
    )
    emails.send("password-changed", user.email, {"user": user}, language=get_language())
