"""Invitations: create, deliver, resend, revoke, open and accept.

These are the public functions other apps, the admin and the management commands use.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from zorgportaal import audit, emails

from .invitee_lists import Invitee, parse_pasted, without_repeats
from .models import (
    Invitation,
    Organisation,
    Role,
    User,
    hash_token,
    new_invitation_expiry,
)

logger = logging.getLogger(__name__)

# A failed mail is retried with a growing pause: 1, 2, 4 … minutes, at most this many times.
MAX_SEND_ATTEMPTS = 10
# An attempt that has not reported back within the first pause was interrupted (killed worker).
ATTEMPT_REPORTS_WITHIN = timedelta(minutes=1)


class InvitationProblem(Exception):
    """Why an invitation link cannot be used; `reason` picks the page the person sees."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class InviteReport:
    """What happened to each address of one batch, for the admin message and the command."""

    invited: list[str] = field(default_factory=list)
    renewed: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    existing_accounts: list[str] = field(default_factory=list)
    already_invited: list[str] = field(default_factory=list)


def parse_address_list(text: str) -> tuple[list[str], list[str], list[str]]:
    """Split pasted text (lines, commas or semicolons) into valid, invalid and repeated entries.

    "Jan Jansen <jan@example.org>" is accepted as jan@example.org (its name: `parse_pasted`).
    """
    found, invalid = parse_pasted(text)
    unique, duplicates = without_repeats(found)
    return [invitee.email for invitee in unique], invalid, duplicates


def invitations_create(
    *,
    text: str = "",
    invitees: Sequence[Invitee] = (),
    organisation: Organisation,
    role: Role,
    language: str = "nl",
    invited_by: User | None = None,
    request=None,
) -> InviteReport:
    """Invite every valid entry of the pasted `text` and the `invitees` (a CSV file's people),
    with their names; report the rest instead of inviting twice.

    An address whose earlier invitation expired unused gets that invitation renewed, with the
    new names when the batch gives any. Mails go out after the transaction commits
    (MAIL_QUEUE "immediate") or are left queued for the mail worker ("worker"). A batch takes
    the same few queries for 5 or 500 addresses.
    """
    found, invalid = parse_pasted(text)
    unique, duplicates = without_repeats([*found, *invitees])
    report = InviteReport(invalid=invalid, duplicates=duplicates)
    valid = [invitee.email for invitee in unique]
    now = timezone.now()
    with transaction.atomic():
        existing = set(User.objects.filter(email__in=valid).values_list("email", flat=True))
        pending = {
            inv.email: inv
            for inv in Invitation.objects.pending().with_status(now).filter(email__in=valid)
        }
        created, renewed = [], []
        for invitee in unique:
            address = invitee.email
            if address in existing:
                report.existing_accounts.append(address)
            elif address in pending and pending[address].status != Invitation.Status.EXPIRED:
                report.already_invited.append(address)
            elif address in pending:
                changes = {"organisation": organisation, "role": role, "language": language}
                _renew(pending[address], **changes, **_names_given(invitee))
                renewed.append(pending[address])
                report.renewed.append(address)
            else:
                created.append(_new(invitee, organisation, role, language, invited_by))
                report.invited.append(address)
        if created:
            _bulk_create(created)
            audit.record_many(
                "invitation.created",
                request=request,
                actor=invited_by,
                subject_emails=report.invited,
                organisation=organisation.name,
                role=role.name,
            )
        if renewed:
            Invitation.objects.bulk_update(renewed, RENEWED_FIELDS)
        for invitation in [*created, *renewed]:
            _deliver_after_commit(invitation)
    return report


def _names_given(invitee: Invitee) -> dict[str, str]:
    """The names a renewal changes: a batch without names keeps the earlier ones."""
    if not (invitee.first_name or invitee.last_name):
        return {}
    return {"first_name": invitee.first_name, "last_name": invitee.last_name}


def _new(invitee: Invitee, organisation, role, language, invited_by) -> Invitation:
    invitation = Invitation(
        email=invitee.email,
        first_name=invitee.first_name,
        last_name=invitee.last_name,
        organisation=organisation,
        role=role,
        language=language,
        invited_by=invited_by,
    )
    invitation.new_token()  # every mail of this invitation carries this link (`mailed_token`)
    return invitation


def _bulk_create(invitations: list[Invitation]) -> None:
    Invitation.objects.bulk_create(invitations)
    if invitations[0].pk is None:  # a database that cannot return the new ids
        ids = dict(
            Invitation.objects.pending()
            .filter(email__in=[inv.email for inv in invitations])
            .values_list("email", "pk")
        )
        for invitation in invitations:
            invitation.pk = ids[invitation.email]


RENEWED_FIELDS = [
    "token_hash",
    "link_salt",
    "organisation",
    "role",
    "first_name",
    "last_name",
    "language",
    "expires_at",
    "sent_at",
    "send_failed_at",
    "send_attempts",
    "send_error",
    "last_attempt_at",
    "opened_at",
]


def _renew(invitation: Invitation, **changes) -> None:
    for name, value in changes.items():
        setattr(invitation, name, value)
    _reset_delivery(invitation)
    invitation.opened_at = None


# What a resend changes: the link, the expiry date and the delivery state.
RESENT_FIELDS = [
    "token_hash",
    "link_salt",
    "expires_at",
    "sent_at",
    "send_failed_at",
    "send_attempts",
    "send_error",
    "last_attempt_at",
]


def _reset_delivery(invitation: Invitation) -> None:
    """A new expiry date, queued for delivery, and the old link dead at once.

    The new raw token is dropped: delivery makes it again from its salt. Without this, with
    the mail worker the old link would keep working until the worker's next round.
    """
    invitation.new_token()
    invitation.expires_at = new_invitation_expiry()
    invitation.sent_at = None
    invitation.send_failed_at = None
    invitation.send_attempts = 0
    invitation.send_error = ""
    invitation.last_attempt_at = None


def _deliver_after_commit(invitation: Invitation) -> None:
    """Send once the transaction commits, or (MAIL_QUEUE "worker") leave it queued."""
    if settings.MAIL_QUEUE == "worker":
        return  # `manage.py send_invitations --loop` picks it up within seconds
    pk = invitation.pk
    transaction.on_commit(lambda: invitation_send_if_due(pk))


def invitation_deliver(invitation_id: int) -> bool:
    """Mail this invitation's link now if it still needs a mail. True when sent."""
    return invitation_send_if_due(invitation_id) is True


def invitations_due_for_retry(now=None):
    """Pending, unexpired invitations whose last mail failed or never went, past their pause."""
    now = now or timezone.now()
    candidates = Invitation.objects.pending().filter(
        expires_at__gt=now, sent_at__isnull=True, send_attempts__lt=MAX_SEND_ATTEMPTS
    )
    return [inv for inv in candidates if _is_due(inv, now)]


def _is_due(invitation: Invitation, now) -> bool:
    """Queued or failed, unused, unexpired, attempts left, and past the pause after the last
    attempt (one that failed, or one whose worker was killed before it could tell)."""
    return (
        invitation.used_at is None
        and invitation.revoked_at is None
        and invitation.expires_at > now
        and invitation.sent_at is None
        and invitation.send_attempts < MAX_SEND_ATTEMPTS
        and (
            invitation.last_attempt_at is None
            or invitation.last_attempt_at + timedelta(minutes=2 ** (invitation.send_attempts - 1))
            <= now
        )
    )


def invitation_send_if_due(invitation_id: int, *, now=None) -> bool | None:
    """Claim one invitation and mail it if it is still due. True sent, False failed, None when
    another worker claimed it or it no longer needs a mail.

    The claim is committed before the mail goes out, so a worker killed while sending cannot
    undo the attempt: the retry waits its pause, at most MAX_SEND_ATTEMPTS times, and carries
    the same link as the mail that may have gone out. No row lock is held while sending.
    """
    claimed = _claim(invitation_id, now or timezone.now())
    if claimed is None:
        return None
    invitation, token = claimed
    return _mail(invitation, token)


def _claim(invitation_id: int, now) -> tuple[Invitation, str] | None:
    """Count the attempt and fix its link, in a transaction of its own.

    SKIP LOCKED (PostgreSQL) passes a row another worker is claiming; the conditional UPDATE
    lets one claim through on any database. The claim's pause (a minute at least) keeps other
    workers off while this one sends.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("organisation")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or not _is_due(invitation, now):
            return None
        unclaimed = {"token_hash": invitation.token_hash, "send_attempts": invitation.send_attempts}
        token = invitation.mailed_token() or invitation.new_token()
        claimed = Invitation.objects.filter(pk=invitation.pk, **unclaimed).update(
            link_salt=invitation.link_salt,
            token_hash=invitation.token_hash,
            send_attempts=invitation.send_attempts + 1,
            last_attempt_at=now,
        )
        if not claimed:
            return None
        invitation.send_attempts += 1
        invitation.last_attempt_at = now
    return invitation, token


def _mail(invitation: Invitation, token: str) -> bool:
    """Send, then record the outcome on the attempt this worker claimed."""
    link_path = reverse("registration:invitation_link", args=[token])
    try:
        emails.send(
            "invitation",
            invitation.email,
            {"invitation": invitation, "link_path": link_path},
            language=invitation.language,
        )
    except Exception as error:  # any backend, any failure: keep the invitation, retry later
        logger.warning("Invitation %s: mail failed: %s", invitation.pk, type(error).__name__)
        kind = type(error).__name__[:200]
        _this_attempt(invitation).update(send_failed_at=timezone.now(), send_error=kind)
        audit.record("invitation.sent", success=False, subject_email=invitation.email, error=kind)
        return False
    _this_attempt(invitation).update(sent_at=timezone.now(), send_error="")
    audit.record("invitation.sent", subject_email=invitation.email)
    return True


def _this_attempt(invitation: Invitation):
    """The row while it is still at this attempt: a resend meanwhile keeps its own state."""
    return Invitation.objects.filter(
        pk=invitation.pk,
        token_hash=invitation.token_hash,
        send_attempts=invitation.send_attempts,
    )


def invitations_send_due(*, now=None, should_stop=lambda: False) -> tuple[int, int]:
    """The mail worker's round: every queued or retry-due invitation once. (sent, attempted)."""
    now = now or timezone.now()
    _record_interrupted_last_attempts(now)
    sent = attempted = 0
    for invitation in invitations_due_for_retry(now):
        if should_stop():
            break
        result = invitation_send_if_due(invitation.pk, now=now)
        if result is not None:
            attempted += 1
            sent += result
    return sent, attempted


def _record_interrupted_last_attempts(now) -> None:
    """A last attempt that never reported back (its worker was killed) counts as failed, so
    the admin shows "verzenden mislukt" and the servicedesk can resend."""
    Invitation.objects.pending().filter(
        Q(send_failed_at__isnull=True) | Q(send_failed_at__lt=F("last_attempt_at")),
        sent_at__isnull=True,
        send_attempts__gte=MAX_SEND_ATTEMPTS,
        last_attempt_at__lte=now - ATTEMPT_REPORTS_WITHIN,
    ).update(send_failed_at=F("last_attempt_at"), send_error="Interrupted")


def invitation_resend(invitation: Invitation, *, request=None) -> bool:
    """A new link with a new expiry date; the old link dies at once, in the same transaction,
    even when the mail worker sends the new one later. False when used or revoked.

    The row is read again under a lock: a list loaded before the person registered must not
    write an old state back.
    """
    with transaction.atomic():
        current = Invitation.objects.select_for_update().pending().filter(pk=invitation.pk).first()
        if current is None:
            return False
        _reset_delivery(current)
        current.save(update_fields=RESENT_FIELDS)
        audit.record("invitation.resent", request=request, subject_email=current.email)
    if settings.MAIL_QUEUE == "worker":
        return True  # queued with a new expiry date; the worker mails the new link
    return invitation_deliver(current.pk)


def invitation_revoke(invitation: Invitation, *, request=None) -> bool:
    updated = (
        Invitation.objects.pending().filter(pk=invitation.pk).update(revoked_at=timezone.now())
    )
    if updated:
        audit.record("invitation.revoked", request=request, subject_email=invitation.email)
    return bool(updated)


# The statuses whose link cannot be used; each is also the reason the person is shown.
UNUSABLE = (Invitation.Status.REVOKED, Invitation.Status.USED, Invitation.Status.EXPIRED)


def invitation_check(token_hash: str, *, now=None) -> Invitation:
    """The invitation behind a link hash, or InvitationProblem saying why it cannot be used:
    "invalid", or its status when that is revoked, used or expired."""
    invitation = (
        Invitation.objects.with_status(now)
        .select_related("organisation", "role")
        .filter(token_hash=token_hash)
        .first()
    )
    if invitation is None:
        raise InvitationProblem("invalid")
    if invitation.status in UNUSABLE:
        raise InvitationProblem(invitation.status)
    return invitation


def invitation_open(token: str, *, request) -> Invitation:
    """Check a link as it is opened. Opening does not use it up (mail scanners open links)."""
    try:
        invitation = invitation_check(hash_token(token))
    except InvitationProblem as problem:
        audit.record("invitation.opened", request=request, success=False, reason=problem.reason)
        raise
    if invitation.opened_at is None:
        Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(
            opened_at=timezone.now()
        )
    audit.record("invitation.opened", request=request, subject_email=invitation.email)
    return invitation


def invitation_accept(
    *, token_hash: str, password: str, first_name: str = "", last_name: str = "", request=None
) -> User:
    """Use the invitation once: make the account with its password and names, in one
    transaction. A name the invitation gives wins: the person supplies only missing ones.

    Two requests with the same link: the conditional update lets exactly one through.
    """
    with transaction.atomic():
        invitation = invitation_check(token_hash)
        claimed = (
            Invitation.objects.pending()
            .filter(pk=invitation.pk, token_hash=token_hash, expires_at__gt=timezone.now())
            .update(used_at=timezone.now())
        )
        if not claimed:
            raise InvitationProblem("used")
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    invitation.email,
                    password,
                    first_name=invitation.first_name or first_name,
                    last_name=invitation.last_name or last_name,
                    organisation=invitation.organisation,
                    role=invitation.role,
                )
        except IntegrityError:
            raise InvitationProblem("used") from None
        Invitation.objects.filter(pk=invitation.pk).update(user=user)
        audit.record("invitation.used", request=request, actor=user, subject=user)
        audit.record("password.set", request=request, actor=user, subject=user)
    return user


def registration_password_change(
    user: User, *, password: str, first_name: str, last_name: str, request=None
) -> None:
    """ "Begin opnieuw" before a factor is bound: the new account may choose its password, and
    the names the invitation did not give, again."""
    user.set_password(password)
    user.first_name, user.last_name = first_name, last_name
    user.save(update_fields=["password", "first_name", "last_name"])
    audit.record("password.set", request=request, actor=user, subject=user)
