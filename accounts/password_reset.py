"""Password reset mails ("Wachtwoord vergeten?"): queued in the request, sent off its path.

The request only queues: a known address must not answer slower than an unknown one, or the
mail server's time would tell which addresses have an account. The queue holds no link; the
worker makes it when it sends (Django's reset tokens are computed from the account's state).
MAIL_QUEUE "immediate" sends after the request's commit, "worker" leaves it to
`manage.py send_invitations --loop`, which sends invitations and reset mails alike.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from zorgportaal import audit, emails, throttle
from zorgportaal.requests import client_ip

from .models import PasswordResetMail, User, normalize_email

logger = logging.getLogger(__name__)

# A failed mail is retried with a growing pause: 1, 2, 4 … minutes, at most this many times.
MAX_SEND_ATTEMPTS = 10
# An attempt that has not reported back within the first pause was interrupted (killed worker).
ATTEMPT_REPORTS_WITHIN = timedelta(minutes=1)

# Per address: 3 mails an hour, then an hour's wait (nobody's inbox is bombed). Per client far
# looser, because many people share one address behind a NAT, yet still a bound.
RESET_PER_ADDRESS = throttle.Policy(
    free=3, first_wait=timedelta(hours=1), cap=timedelta(hours=1), window=timedelta(hours=1)
)
RESET_PER_CLIENT = throttle.Policy(
    free=20, first_wait=timedelta(minutes=5), cap=timedelta(hours=1), window=timedelta(hours=1)
)


def password_reset_queue(*, email: str, language: str, request) -> None:
    """Queue a reset mail for the active account with this address, within the limits.

    The same statements run whether or not the address has an account; a mail still queued for
    the account makes a second request add nothing. Every request counts against both limits.
    """
    email = normalize_email(email)
    keys = [
        throttle.key_for("reset-account", email),
        throttle.key_for("reset-client", client_ip(request)),
    ]
    if throttle.seconds_to_wait(keys):
        audit.record_refusal(
            "password_reset.throttled", keys=keys, request=request, subject_email=email
        )
        return
    throttle.record_failure(keys[0], RESET_PER_ADDRESS)
    throttle.record_failure(keys[1], RESET_PER_CLIENT)
    audit.record("password_reset.requested", request=request, subject_email=email)
    with transaction.atomic():
        _insert_for_active_account(email, language)
        if settings.MAIL_QUEUE != "worker":
            transaction.on_commit(lambda: password_reset_mails_send_due(email=email))


# PostgreSQL and SQLite alike; the tables are Django's names for PasswordResetMail and User.
QUEUE_FOR_ACTIVE_ACCOUNT = """
    INSERT INTO accounts_passwordresetmail (user_id, language, requested_at, send_attempts)
    SELECT id, %s, %s, 0 FROM accounts_user WHERE email = %s AND is_active = %s
    ON CONFLICT DO NOTHING
"""


def _insert_for_active_account(email: str, language: str) -> None:
    """One INSERT … SELECT, for a known address and an unknown one alike.

    Looking the account up first would add a query only for known addresses. ON CONFLICT DO
    NOTHING: the partial unique constraint allows one unsent mail per account.
    """
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(QUEUE_FOR_ACTIVE_ACCOUNT, [language, now, email, True])


def password_reset_mails_send_due(
    *, now: datetime | None = None, should_stop=lambda: False, email: str | None = None
) -> tuple[int, int]:
    """The mail worker's round: every queued or retry-due reset mail once. (sent, attempted).

    `email`: only that address's mail (MAIL_QUEUE "immediate", right after the request).
    """
    now = now or timezone.now()
    queued = PasswordResetMail.objects.filter(sent_at__isnull=True)
    if email is not None:
        queued = queued.filter(user__email=email)
    queued = list(queued)
    _give_up_interrupted_last_attempts(queued, now)
    sent = attempted = 0
    for mail_id in [each.pk for each in queued if _is_due(each, now)]:
        if should_stop():
            break
        result = password_reset_mail_send_if_due(mail_id, now=now)
        if result is not None:
            attempted += 1
            sent += result
    return sent, attempted


def _is_due(queued: PasswordResetMail, now: datetime) -> bool:
    """Unsent, attempts left, and past the pause after the last attempt (one that failed, or
    one whose worker was killed before it could tell)."""
    return (
        queued.sent_at is None
        and queued.send_attempts < MAX_SEND_ATTEMPTS
        and (
            queued.last_attempt_at is None
            or queued.last_attempt_at + timedelta(minutes=2 ** (queued.send_attempts - 1)) <= now
        )
    )


def _give_up_interrupted_last_attempts(queued: list[PasswordResetMail], now: datetime) -> None:
    """A last attempt that never reported back (its worker was killed) is given up like a
    failed one: the queued row would otherwise keep the account from asking again."""
    for each in queued:
        last = each.last_attempt_at
        if (
            each.send_attempts >= MAX_SEND_ATTEMPTS
            and last
            and last <= now - ATTEMPT_REPORTS_WITHIN
        ):
            _record_failure(each, InterruptedError("no report from the mail worker"))


def password_reset_mail_send_if_due(mail_id: int, *, now: datetime | None = None) -> bool | None:
    """Claim one queued mail and send it if still due. True sent, False failed, None when
    another worker claimed it or it needs no mail (sent already, the account deactivated).

    The claim is committed before the mail goes out, so a worker killed while sending cannot
    undo the attempt: the retry waits its pause, at most MAX_SEND_ATTEMPTS times. Each mail's
    link stays valid until one is used or it expires. No row lock is held while sending.
    """
    queued = _claim(mail_id, now or timezone.now())
    if queued is None:
        return None
    return _deliver(queued)


def _claim(mail_id: int, now: datetime) -> PasswordResetMail | None:
    """Count the attempt in a transaction of its own. SKIP LOCKED (PostgreSQL) passes a row
    another worker is claiming; the conditional UPDATE lets one claim through on any database;
    the claim's pause (a minute at least) keeps other workers off while this one sends."""
    with transaction.atomic():
        queued = (
            PasswordResetMail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=mail_id)
            .first()
        )
        if queued is None or not _is_due(queued, now):
            return None
        if not queued.user.is_active:
            queued.delete()
            return None
        claimed = PasswordResetMail.objects.filter(
            pk=queued.pk, send_attempts=queued.send_attempts
        ).update(send_attempts=queued.send_attempts + 1, last_attempt_at=now)
        if not claimed:
            return None
        queued.send_attempts += 1
        queued.last_attempt_at = now
    return queued


def _deliver(queued: PasswordResetMail) -> bool:
    user = queued.user
    try:
        emails.send(
            "password-reset",
            user.email,
            {"user": user, "link": _reset_link(user)},
            language=queued.language,  # the language the person asked in
        )
    except Exception as error:  # any backend, any failure: keep the request, retry later
        _record_failure(queued, error)
        return False
    _this_attempt(queued).update(sent_at=timezone.now())
    audit.record("password_reset.sent", subject=user)
    return True


def _this_attempt(queued: PasswordResetMail):
    """The row while it is still at this attempt."""
    return PasswordResetMail.objects.filter(pk=queued.pk, send_attempts=queued.send_attempts)


def _reset_link(user: User) -> str:
    """Made as it is mailed, valid PASSWORD_RESET_TIMEOUT from then; never stored or logged."""
    path = reverse(
        "signin:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL + path


def _record_failure(queued: PasswordResetMail, error: Exception) -> None:
    """Log and audit the kind of failure only (an error text might quote the mail)."""
    kind = type(error).__name__
    gave_up = queued.send_attempts >= MAX_SEND_ATTEMPTS
    logger.warning(
        "Password reset mail %s: attempt %d failed: %s", queued.pk, queued.send_attempts, kind
    )
    audit.record(
        "mail.failed",
        subject=queued.user,
        success=False,
        mail="password-reset",
        error=kind,
        attempt=queued.send_attempts,
        gave_up=gave_up,
    )
    if gave_up:  # the account may ask again; a new request queues a new mail
        _this_attempt(queued).delete()
        return
    _this_attempt(queued).update(send_failed_at=timezone.now())
