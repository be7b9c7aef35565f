"""Helpdesk verification: codes, chats, the agent's identity check, verifying and resetting.

The public functions the person's pages, the helpdesk console and the purge command use.
Only `code_current` returns a verification code, for the person's own pages; nothing here logs
or audits one.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from django_otp import devices_for_user

from tokens import services as token_services
from zorgportaal import audit, emails, throttle

from .models import CODE_DIGITS, Conversation, Message, VerificationCode
from .opening_hours import OpeningHours

logger = logging.getLogger(__name__)

MAX_FAILED_ATTEMPTS = 5
MESSAGES_PER_MINUTE = 20
# Per agent, on top of the five tries per code: typos are free, guessing slows down.
AGENT_CHECKS = throttle.Policy(
    free=10, first_wait=timedelta(seconds=30), cap=timedelta(minutes=15), window=timedelta(hours=1)
)

RATE_LIMITED = _(
    "U verstuurt te veel berichten achter elkaar. Wacht een minuut en probeer het dan opnieuw."
)
CONVERSATION_CLOSED = _("Dit gesprek is beëindigd.")


def code_valid_for() -> timedelta:
    return timedelta(hours=getattr(settings, "VERIFICATION_CODE_VALID_HOURS", 24))


def retention() -> timedelta:
    return timedelta(days=getattr(settings, "VERIFICATION_RETENTION_DAYS", 90))


def new_code() -> str:
    """Four digits from the operating system's CSPRNG; leading zeros are digits too."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


# Codes


def code_current(*, user, now: datetime | None = None) -> VerificationCode:
    """The person's code to show them: the same one until it is used, expires or is replaced."""
    now = now or timezone.now()
    code = VerificationCode.objects.current().filter(user=user).first()
    if code is not None and code.expires_at > now:
        return code
    with transaction.atomic():
        if code is not None:
            _code_end(code.pk, VerificationCode.EndReason.EXPIRED, now)
        try:
            with transaction.atomic():
                return VerificationCode.objects.create(
                    user=user, code=new_code(), created_at=now, expires_at=now + code_valid_for()
                )
        except IntegrityError:  # the same person's other tab made one a moment ago
            pass
    return VerificationCode.objects.current().get(user=user)


def _code_end(pk: int, reason: str, now: datetime) -> bool:
    """End a code that is still current; False when someone else ended it first."""
    ended = VerificationCode.objects.current().filter(pk=pk).update(ended_at=now, end_reason=reason)
    return ended == 1


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of an agent's check: "right", "wrong", "no_code" or "throttled"."""

    outcome: str
    code: VerificationCode | None = None
    attempts_left: int = 0
    replaced: bool = False
    wait_seconds: int = 0

    @property
    def right(self) -> bool:
        return self.outcome == "right"


def _agent_key(agent) -> str:
    return throttle.key_for("helpdesk-code-agent", str(agent.pk))


@sensitive_variables("code", "typed", "current")
def code_check(*, person, code: str, agent, request, channel: str, subject_email: str = ""):
    """Compare the code an agent typed with the person's current one, in constant time.

    A wrong code counts against that code; the fifth wrong one retires it, so the person is
    shown a new one. Each failure is audited (never the code) and counts against the agent.
    `person` may be None: an address without an account, typed on the phone page.
    """
    agent_key = _agent_key(agent)
    wait = throttle.seconds_to_wait([agent_key])
    if wait:
        audit.record_refusal(
            "verification.throttled",
            keys=[agent_key],
            request=request,
            actor=agent,
            channel=channel,
        )
        return CodeCheck("throttled", wait_seconds=wait)
    now = timezone.now()
    typed = "".join(str(code).split())
    current = None
    with transaction.atomic():
        if person is not None:
            current = (
                VerificationCode.objects.select_for_update()
                .current()
                .filter(user=person, expires_at__gt=now)
                .first()
            )
        if current is not None and constant_time_compare(current.code, typed):
            throttle.reset(agent_key)
            return CodeCheck("right", code=current)
        result = _count_failure(current, now)
    throttle.record_failure(agent_key, AGENT_CHECKS)
    audit.record(
        "verification.failed",
        request=request,
        actor=agent,
        subject=person,
        subject_email=subject_email,
        success=False,
        channel=channel,
        reason="wrong_code" if current is not None else "no_current_code",
        failed_attempts=current.failed_attempts if current is not None else 0,
        code_replaced=result.replaced,
    )
    return result


def _count_failure(current: VerificationCode | None, now: datetime) -> CodeCheck:
    if current is None:
        return CodeCheck("no_code")
    current.failed_attempts += 1
    fields = ["failed_attempts"]
    replaced = current.failed_attempts >= MAX_FAILED_ATTEMPTS
    if replaced:
        current.ended_at, current.end_reason = now, VerificationCode.EndReason.TOO_MANY_FAILURES
        fields += ["ended_at", "end_reason"]
    current.save(update_fields=fields)
    if replaced:
        conversation = Conversation.objects.open().filter(person_id=current.user_id).first()
        if conversation is not None:
            Message.objects.create(
                conversation=conversation,
                kind=Message.Kind.SYSTEM,
                event=Message.Event.CODE_REPLACED,
                created_at=now,
            )
    return CodeCheck(
        "wrong",
        attempts_left=max(0, MAX_FAILED_ATTEMPTS - current.failed_attempts),
        replaced=replaced,
    )


# Verifying and resetting


def person_verify(*, person, code: VerificationCode, agent, request, channel: str) -> bool:
    """Mark the account verified with a code the agent has just checked, and use the code up.

    False when the code was used or replaced in the meantime (by another agent, say). The
    person's next page load reaches the portal: their stage follows `identity_verified_at`.
    """
    now = timezone.now()
    with transaction.atomic():
        if not _code_end(code.pk, VerificationCode.EndReason.USED, now):
            return False
        get_user_model().objects.filter(pk=person.pk, identity_verified_at__isnull=True).update(
            identity_verified_at=now
        )
        conversation = _conversation_end(person, agent, now, Message.Event.VERIFIED)
        audit.record(
            "verification.succeeded",
            request=request,
            actor=agent,
            subject=person,
            channel=channel,
            conversation=conversation,
        )
    person.identity_verified_at = person.identity_verified_at or now
    return True


def factors_reset(*, person, code: VerificationCode, agent, request, channel: str) -> int | None:
    """Remove every second factor of the person after the identity check; mail them.

    Removing the last factor ends every session of the account and withdraws its verification
    (`tokens.services.device_remove`): the person binds a new factor at the next login and is
    then verified by the helpdesk again. Returns how many were removed, or None when the code
    was used or replaced in the meantime.
    """
    now = timezone.now()
    with transaction.atomic():
        if not _code_end(code.pk, VerificationCode.EndReason.USED, now):
            return None
        devices = list(devices_for_user(person, confirmed=None))
        for device in devices:
            token_services.device_remove(device, request=request)
        audit.record(
            "factor.reset_by_helpdesk",
            request=request,
            actor=agent,
            subject=person,
            channel=channel,
            device_count=len(devices),
        )
        transaction.on_commit(lambda: _mail_factor_reset(person))
    return len(devices)


def _mail_factor_reset(person) -> None:
    """Tell the person; a failing mail server must not undo or hide a reset that happened."""
    invitation = getattr(person, "invitation", None)
    try:
        emails.send(
            "factor-reset",
            person.email,
            {"user": person, "login_url": settings.SITE_URL + reverse("accounts:login")},
            language=invitation.language if invitation is not None else None,
        )
    except Exception:
        logger.exception("factor-reset mail to account %s failed", person.pk)
        audit.record("mail.failed", subject=person, success=False, mail="factor-reset")


# Chats


class ChatClosed(Exception):
    """Outside opening hours no chat starts; `next_opening` says when one can."""

    def __init__(self, next_opening: datetime | None):
        super().__init__("closed")
        self.next_opening = next_opening


class MessageRefused(Exception):
    def __init__(self, message, status: int = 400):
        super().__init__(str(message))
        self.message = str(message)
        self.status = status


def conversation_start(*, person, request, now: datetime | None = None) -> Conversation:
    """The person's open chat, or a new one while the helpdesk is open (raises ChatClosed)."""
    now = now or timezone.now()
    existing = Conversation.objects.open().filter(person=person).first()
    if existing is not None:
        return existing
    hours = OpeningHours.from_settings()
    if not hours.is_open(now):
        raise ChatClosed(hours.next_opening(now))
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(person=person, created_at=now)
            audit.record(
                "chat.started", request=request, subject=person, conversation=conversation.pk
            )
    except IntegrityError:  # a double click: the database keeps one open chat per person
        return Conversation.objects.open().get(person=person)
    return conversation


def conversation_take(*, conversation_id: int, agent, request) -> bool:
    """Make the agent the one who answers; of two agents taking it at once, exactly one wins."""
    now = timezone.now()
    with transaction.atomic():
        taken = (
            Conversation.objects.waiting()
            .filter(pk=conversation_id)
            .update(taken_by=agent, taken_at=now)
        )
        if not taken:
            return False
        conversation = Conversation.objects.select_related("person").get(pk=conversation_id)
        Message.objects.create(
            conversation_id=conversation_id,
            kind=Message.Kind.SYSTEM,
            event=Message.Event.TAKEN,
            author=agent,
            created_at=now,
        )
        audit.record(
            "chat.taken",
            request=request,
            actor=agent,
            subject=conversation.person,
            conversation=conversation_id,
        )
    return True


def conversation_close(*, conversation: Conversation, agent, request) -> bool:
    now = timezone.now()
    with transaction.atomic():
        closed = Conversation.objects.open().filter(pk=conversation.pk).update(closed_at=now)
        if not closed:
            return False
        Message.objects.create(
            conversation=conversation,
            kind=Message.Kind.SYSTEM,
            event=Message.Event.CLOSED,
            author=agent,
            created_at=now,
        )
        audit.record(
            "chat.closed",
            request=request,
            actor=agent,
            subject=conversation.person,
            conversation=conversation.pk,
        )
    conversation.closed_at = now
    return True


def _conversation_end(person, agent, now: datetime, event: str) -> int | None:
    """Close the person's open chat (if any) with a last line saying why; return its id."""
    conversation = Conversation.objects.open().filter(person=person).first()
    if conversation is None:
        return None
    Conversation.objects.filter(pk=conversation.pk).update(closed_at=now)
    Message.objects.create(
        conversation=conversation,
        kind=Message.Kind.SYSTEM,
        event=event,
        author=agent,
        created_at=now,
    )
    return conversation.pk


def message_send(
    *, conversation: Conversation, author, kind: str, text: str, now: datetime | None = None
) -> Message:
    """Add a line to an open chat; a person may send MESSAGES_PER_MINUTE lines a minute."""
    now = now or timezone.now()
    if not conversation.is_open:
        raise MessageRefused(CONVERSATION_CLOSED, status=409)
    if kind == Message.Kind.PERSON:
        recent = Message.objects.filter(
            author=author, kind=kind, created_at__gt=now - timedelta(minutes=1)
        ).count()
        if recent >= MESSAGES_PER_MINUTE:
            raise MessageRefused(RATE_LIMITED, status=429)
    return Message.objects.create(
        conversation=conversation, kind=kind, author=author, text=text, created_at=now
    )


# Retention


@dataclass(frozen=True)
class PurgeReport:
    conversations: int
    messages: int
    codes: int


def verification_data_purge(*, now: datetime | None = None) -> PurgeReport:
    """Delete chats and codes older than VERIFICATION_RETENTION_DAYS; the audit trail stays.

    A chat goes when it was closed before the cut-off, or when it was left open with nothing
    said since then. A code goes when it ended, or expired, before the cut-off.
    """
    cutoff = (now or timezone.now()) - retention()
    recent = Message.objects.filter(conversation=OuterRef("pk"), created_at__gte=cutoff)
    old = Conversation.objects.alias(has_recent=Exists(recent)).filter(
        Q(closed_at__lt=cutoff) | Q(closed_at__isnull=True, created_at__lt=cutoff, has_recent=False)
    )
    with transaction.atomic():
        old_ids = list(old.values_list("pk", flat=True))
        messages, _counts = Message.objects.filter(conversation_id__in=old_ids).delete()
        conversations, _counts = Conversation.objects.filter(pk__in=old_ids).delete()
        codes, _counts = VerificationCode.objects.filter(
            Q(ended_at__lt=cutoff) | Q(expires_at__lt=cutoff)
        ).delete()
    return PurgeReport(conversations=conversations, messages=messages, codes=codes)
