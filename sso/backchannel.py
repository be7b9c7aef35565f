"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0): when a login ends, every
service it signed in to gets a signed logout token at its back-channel address, so that the
service ends its own session too. Queued in the request, sent by the worker (or right after
the request with MAIL_QUEUE=immediate), retried with growing pauses."""

import json
import logging
import time
import uuid
from datetime import timedelta
from urllib.error import URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from jwcrypto import jwt
from oauth2_provider.utils import jwk_from_pem

from zorgportaal import audit
from zorgportaal.sessions import logins_ended

from .claims import subject_for
from .models import LogoutNotice, SignIn

logger = logging.getLogger(__name__)
EVENT = "http://schemas.openid.net/event/backchannel-logout"
TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 8  # pauses of 30 s, 1, 2, 4 … 32 minutes: a service away for an hour still hears
TOKEN_LIFETIME_SECONDS = 120


@receiver(logins_ended)
def logins_ended_tell_services(sender, *, user, login_id, reason, keep_login_id=None, **kwargs):
    """The ended logins' tokens stop working now; their services hear of it from the queue."""
    sign_ins = SignIn.objects.filter(user=user)
    if login_id is not None:
        sign_ins = sign_ins.filter(login_id=login_id)
    elif keep_login_id is not None:
        sign_ins = sign_ins.exclude(login_id=keep_login_id)
    sign_ins.tokens_revoke()
    queued = logout_notices_queue(sign_ins, reason=reason)
    if queued and settings.MAIL_QUEUE != "worker":
        transaction.on_commit(lambda: logout_notices_send_due(pks=queued))


def logout_notices_queue(sign_ins, *, reason: str) -> list[int]:
    """One notice per service and login, for services with a back-channel address."""
    pairs = list(
        sign_ins.exclude(application__service__backchannel_logout_uri="")
        .exclude(application__service=None)
        .values_list("application_id", "user_id", "login_id")
        .distinct()
    )
    notices = [
        LogoutNotice(application_id=app, user_id=user, login_id=login, reason=reason)
        for app, user, login in pairs
    ]
    LogoutNotice.objects.bulk_create(notices, ignore_conflicts=True)  # a login ends once
    return list(
        LogoutNotice.objects.filter(
            user_id__in={user for _, user, _ in pairs},
            login_id__in={login for _, _, login in pairs},
            sent_at=None,
            failed_at=None,
        ).values_list("pk", flat=True)
    )


def logout_notices_send_due(*, now=None, should_stop=lambda: False, pks=None) -> tuple[int, int]:
    """The worker's round: every notice due once. (sent, attempted)."""
    now = now or timezone.now()
    due = LogoutNotice.objects.filter(
        sent_at=None, failed_at=None, next_attempt_at__lte=now
    ).order_by("next_attempt_at")
    if pks is not None:
        due = due.filter(pk__in=pks)
    sent = attempted = 0
    for pk in list(due.values_list("pk", flat=True)[:500]):
        if should_stop():
            break
        outcome = logout_notice_send(pk)
        if outcome is not None:
            attempted += 1
            sent += outcome
    return sent, attempted


def logout_notice_send(pk: int) -> bool | None:
    """Send one notice, holding its row so two workers never both send it; None if taken."""
    with transaction.atomic():
        notice = (
            LogoutNotice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("application__service", "user")
            .filter(pk=pk, sent_at=None, failed_at=None)
            .first()
        )
        if notice is None:
            return None
        error = post_logout_token(notice)
        notice_settle(notice, error)
    return error is None


def post_logout_token(notice: LogoutNotice) -> str | None:
    """POST the logout token; the error in words, or None when the service took it (2xx)."""
    service = notice.application.service
    address = service.backchannel_logout_uri
    if urlsplit(address).scheme not in ("https", "http"):
        return "not an http(s) address"
    body = urlencode({"logout_token": logout_token(notice)}).encode()
    request = Request(  # noqa: S310 (http or https only, checked above)
        address,
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310
            status = response.status
    except URLError as error:
        return str(getattr(error, "code", "") or error.reason)[:200]
    except (TimeoutError, OSError) as error:
        return type(error).__name__
    return None if 200 <= status < 300 else f"HTTP {status}"


def notice_settle(notice: LogoutNotice, error: str | None) -> None:
    now = timezone.now()
    notice.attempts += 1
    service = notice.application.service.name
    if error is None:
        notice.sent_at = now
        audit.record(
            "sso.backchannel_logout_sent",
            subject=notice.user,
            service=service,
            reason=notice.reason,
        )
    elif notice.attempts >= MAX_ATTEMPTS:
        notice.failed_at, notice.last_error = now, error
        audit.record(
            "sso.backchannel_logout_failed",
            subject=notice.user,
            success=False,
            service=service,
            error=error,
            attempts=notice.attempts,
        )
    else:
        notice.last_error = error
        notice.next_attempt_at = now + timedelta(seconds=30 * 2 ** (notice.attempts - 1))
        logger.warning("Back-channel logout to %s failed (%s); retrying", service, error)
    notice.save()


def logout_token(notice: LogoutNotice) -> str:
    """The signed logout token: who (the service's own `sub`), which login (`sid`), no nonce."""
    now = int(time.time())
    claims = {
        "iss": settings.OIDC_ISSUER,
        "aud": notice.application.client_id,
        "iat": now,
        "exp": now + TOKEN_LIFETIME_SECONDS,
        "jti": str(uuid.uuid4()),
        "sub": subject_for(notice.user, notice.application),
        "sid": notice.login_id,
        "events": {EVENT: {}},
    }
    key = jwk_from_pem(settings.OIDC_SIGNING_KEY)
    token = jwt.JWT(
        header={"alg": "RS256", "typ": "logout+jwt", "kid": key.thumbprint()},
        claims=json.dumps(claims),
    )
    token.make_signed_token(key)
    return token.serialize()
