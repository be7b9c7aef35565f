"""Helpdesk verification: codes, chats, the agent's identity check, verifying and resetting.

The public functions the person's pages, the helpdesk console and the purge command use.
Only `code_current` returns a verification code, for the person's own pages; nothing here logs
or audits one.
"""

import logging
import math
import secrets
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from django_otp import devices_for_user

from accounts.models import normalize_email
from tokens import services as token_services
from zorgportaal import audit, emails, throttle
from zorgportaal.models import AuditEvent

from .models import CODE_DIGITS, Conversation, Message, VerificationCode
from .opening_hours import OpeningHours

logger = logging.getLogger(__name__)

MAX_FAILED_ATTEMPTS = 5
MESSAGES_PER_MINUTE = 20
CHECKED = "verification.checked"

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
class Budget:
    """At most `limit` checks by one agent in any `window`: all of them, or the wrong ones."""

    limit: int
    window: timedelta
    wrong_only: bool

    def ends(self, checks: list[tuple[datetime, bool]], now: datetime) -> datetime | None:
        """When the agent may check again if this budget is used up now; `checks` holds
        (moment, right) of the agent's checks, newest first."""
        counted = [
            at for at, right in checks if at > now - self.window and not (self.wrong_only and right)
        ]
        if self.limit < 1:  # a budget of 0: no checks at all
            return now + self.window
        if len(counted) < self.limit:
            return None
        return counted[self.limit - 1] + self.window


def agent_budgets() -> tuple[Budget, ...]:
    """What one agent may check, in windows that slide and that no right code resets.

    All checks count, so right ones (a colleague's code, read out to them) cannot hide wrong
    ones; the wrong ones of a day bound guessing: 50 guesses, each right with a chance of at
    most 1 in 10,000, is at most 0.5 % a day (SECURITY.md).
    """
    hour, day = timedelta(hours=1), timedelta(days=1)
    return (
        Budget(settings.VERIFICATION_AGENT_CHECKS_PER_HOUR, hour, wrong_only=False),
        Budget(settings.VERIFICATION_AGENT_WRONG_CHECKS_PER_HOUR, hour, wrong_only=True),
        Budget(settings.VERIFICATION_AGENT_WRONG_CHECKS_PER_DAY, day, wrong_only=True),
    )


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of an agent's check: "right", "wrong", "no_code" or "own_account"; or,
    without a check, "throttled" (too many wrong ones) or "checks_used_up" (the hour's)."""

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


REASONS = {"wrong": "wrong_code", "no_code": "no_current_code", "own_account": "own_account"}


@sensitive_variables("code")
def verification_code_check(
    *, person, code: str, agent, request, channel: str, subject_email: str = ""
):
    """Compare the code an agent typed with the person's current one, in constant time.

    Every check, right or wrong, is audited as `verification.checked` (never the code) and
    counts against the agent's budgets (`agent_budgets`), which nothing resets. A wrong code
    also counts against that code; the fifth wrong one retires it, so the person is shown a
    new one. Nobody checks their own account. `person` may be None: an address without an
    account, typed on the phone page.
    """
    with transaction.atomic():
        now = _agent_lock(agent)
        refusal = _agent_refusal(agent, now)
        if refusal is not None:
            _refusal_record(refusal, agent=agent, request=request, channel=channel, now=now)
            return refusal
        if _is_own_account(agent, person, subject_email):
            result = CodeCheck("own_account")
        else:
            result = _code_compare(person, code, now)
        _check_record(
            result,
            agent=agent,
            person=person,
            request=request,
            channel=channel,
            subject_email=subject_email,
        )
    return result


def _agent_lock(agent) -> datetime:
    """Hold the agent's row, so their checks run one at a time and two tabs cannot both slip
    under a budget; the clock is read once the lock is held."""
    get_user_model().objects.select_for_update(no_key=True).only("pk").get(pk=agent.pk)
    return timezone.now()


def _agent_refusal(agent, now: datetime) -> CodeCheck | None:
    """A refusal while one of the agent's budgets is used up, for as long as the longest lasts.

    The budgets count the agent's `verification.checked` events: the append-only trail is the
    one record of checks that no right code, administrator or restart can reset.
    """
    budgets = agent_budgets()
    since = now - max(budget.window for budget in budgets)
    checks = [
        (at, outcome == AuditEvent.Outcome.SUCCESS)
        for at, outcome in AuditEvent.objects.filter(
            event=CHECKED, actor=agent, created_at__gt=since
        )
        .order_by("-created_at", "-pk")
        .values_list("created_at", "outcome")
    ]
    used_up = [(end, budget) for budget in budgets if (end := budget.ends(checks, now))]
    if not used_up:
        return None
    end, budget = max(used_up, key=lambda pair: pair[0])
    wait = math.ceil((end - now).total_seconds())
    return CodeCheck("throttled" if budget.wrong_only else "checks_used_up", wait_seconds=wait)


def _refusal_record(refusal: CodeCheck, *, agent, request, channel: str, now: datetime) -> None:
    """Block the agent's throttle key while refused, so the trail records only the 1st, 10th,
    100th … refusal (`audit.record_refusal`), never one row per attempt."""
    key = _agent_key(agent)
    throttle.block(key, until=now + timedelta(seconds=refusal.wait_seconds), now=now)
    audit.record_refusal(
        "verification.throttled", keys=[key], request=request, actor=agent, channel=channel
    )


def _is_own_account(agent, person, subject_email: str) -> bool:
    """The chat's person, or the address typed on the phone page, is the agent."""
    if person is not None and person.pk == agent.pk:
        return True
    return bool(subject_email) and normalize_email(subject_email) == normalize_email(agent.email)


@sensitive_variables("code", "typed", "current")
def _code_compare(person, code: str, now: datetime) -> CodeCheck:
    typed = "".join(str(code).split())
    current = None
    if person is not None:
        current = (
            VerificationCode.objects.select_for_update()
            .current()
            .filter(user=person, expires_at__gt=now)
            .first()
        )
    if current is not None and constant_time_compare(current.code, typed):
        return CodeCheck("right", code=current)
    return _count_failure(current, now)


def _check_record(check: CodeCheck, *, agent, person, request, channel, subject_email) -> None:
    """One `verification.checked` per check: what the budgets count. Facts only, no code."""
    details = {"channel": channel}
    if not check.right:
        failed = MAX_FAILED_ATTEMPTS - check.attempts_left if check.outcome == "wrong" else 0
        details |= {
            "reason": REASONS[check.outcome],
            "failed_attempts": failed,
            "code_replaced": check.replaced,
        }
    audit.record(
        CHECKED,
        request=request,
        actor=agent,
        subject=person,
        subject_email=subject_email,
        success=check.right,
        **details,
    )


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
            token_services.device_remove(device, request=request, last_factor_allowed=True)
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
            {"user": person, "login_url": settings.SITE_URL + reverse("signin:login")},
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


# The queue: a waiting person's place, the expected wait, and closing time


def queue_place(conversation: Conversation) -> int:
    """1 for the chat that has waited longest: the order of the console's queue."""
    ahead = (
        Conversation.objects.waiting()
        .filter(
            Q(created_at__lt=conversation.created_at)
            | Q(created_at=conversation.created_at, pk__lt=conversation.pk)
        )
        .count()
    )
    return ahead + 1


def wait_estimate(*, now: datetime | None = None) -> timedelta | None:
    """The median wait, from start to taken, of the chats taken today; None before the first.

    The same figure for everyone waiting: it already reflects how long the queue was today.
    """
    today = timezone.localtime(now or timezone.now()).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    waits = [
        taken - created
        for created, taken in Conversation.objects.filter(taken_at__gte=today).values_list(
            "created_at", "taken_at"
        )
    ]
    return statistics.median(waits) if waits else None


def closing_since_start(conversation: Conversation, now: datetime) -> datetime | None:
    """When the helpdesk closed since this chat started (it starts while open), or None."""
    closing = OpeningHours.from_settings().next_closing(conversation.created_at, until=now)
    return closing if closing is not None and closing <= now else None


def conversations_close_at_closing(
    *, now: datetime | None = None, should_stop=lambda: False
) -> tuple[int, int]:
    """Close the chats still waiting when the helpdesk closed, each with a line saying when it
    opens again; chats an agent has taken stay open until the agent closes them.

    The worker does this as soon as it can (a queue of `zorgportaal.outbox`); the pages of
    the person and the console do it too when they find one, so nobody waits on into the night
    when no worker runs. Returns (closed, due), as the worker's queues do.
    """
    now = now or timezone.now()
    closed = due = 0
    waiting = Conversation.objects.waiting().select_related("person").order_by("created_at", "pk")
    for conversation in waiting[:500]:
        if should_stop():
            break
        closing = closing_since_start(conversation, now)
        if closing is not None:
            due += 1
            closed += _closing_time_close(conversation, closing)
    return closed, due


def conversation_close_if_closing_passed(
    *, conversation: Conversation, now: datetime | None = None
) -> bool:
    """Close this chat if it still waits and the helpdesk has closed since it started."""
    if conversation.taken_by_id is not None or not conversation.is_open:
        return False
    closing = closing_since_start(conversation, now or timezone.now())
    return closing is not None and _closing_time_close(conversation, closing)


def _closing_time_close(conversation: Conversation, closing: datetime) -> bool:
    """Closed as of the closing moment, whenever it is noticed: its line says what was true
    then ("morgen om 08:30"), also when the console only finds the chat the next morning."""
    with transaction.atomic():
        if not Conversation.objects.waiting().filter(pk=conversation.pk).update(closed_at=closing):
            return False  # taken or closed a moment ago
        Message.objects.create(
            conversation=conversation,
            kind=Message.Kind.SYSTEM,
            event=Message.Event.CLOSING_TIME,
            created_at=closing,
        )
        audit.record(
            "chat.closed",
            subject=conversation.person,
            conversation=conversation.pk,
            reason="closing_time",
        )
    conversation.closed_at = closing
    return True


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

    @property
    def total(self) -> int:
        return self.conversations + self.messages + self.codes


def verification_data_purge(*, now: datetime | None = None) -> PurgeReport:
    """Delete chat lines, chats and codes older than VERIFICATION_RETENTION_DAYS; the audit
    trail stays.

    Each line goes by its own age, whatever its chat: a chat that is still open keeps only its
    recent lines. A chat goes when it was closed before the cut-off, or when it is open with
    nothing in it since then. A code goes when it ended, or expired, before the cut-off.
    """
    cutoff = (now or timezone.now()) - retention()
    lines = Message.objects.filter(conversation=OuterRef("pk"))
    old_chats = Conversation.objects.filter(
        Q(closed_at__lt=cutoff)
        | (Q(closed_at__isnull=True, created_at__lt=cutoff) & ~Exists(lines))
    )
    with transaction.atomic():
        messages, _counts = Message.objects.filter(created_at__lt=cutoff).delete()
        _total, counts = old_chats.delete()
        _last_message_ids_mend()
        codes, _counts = VerificationCode.objects.filter(
            Q(ended_at__lt=cutoff) | Q(expires_at__lt=cutoff)
        ).delete()
    return PurgeReport(
        conversations=counts.get(Conversation._meta.label, 0),
        messages=messages + counts.get(Message._meta.label, 0),
        codes=codes,
    )


def _last_message_ids_mend() -> None:
    """Point each chat whose newest line was purged at its newest remaining one (0: none left):
    the poller answers "nothing new" from this one column (`chat.poll_answer`)."""
    gone = Conversation.objects.filter(last_message_id__gt=0).filter(
        ~Exists(Message.objects.filter(pk=OuterRef("last_message_id")))
    )
    # Locked first, so a line sent meanwhile is seen by the update (or sets the id itself).
    stale = list(gone.select_for_update().values_list("pk", flat=True))
    newest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    Conversation.objects.filter(pk__in=stale).update(last_message_id=Coalesce(Subquery(newest), 0))
