"""Helpdesk verification (SPEC 6): a person's 4-digit code and the chat with the helpdesk.

Why the code is stored as it is, not hashed or encrypted: the person must see the same code
again on every visit until it is used (a hash cannot be shown again), and encrypting it with a
key kept next to the database protects little. The code is a low-value secret: four digits that
only the logged-in person sees (after both factors, or after the password on the
"authenticatiemiddel kwijt" page), that expire after VERIFICATION_CODE_VALID_HOURS, that die
after five wrong tries, and that are worth something only to someone who also convinces a
helpdesk agent who sees the account's facts. So it lives in its own table with its expiry,
never in a URL, a log line or the audit trail, and used or expired codes are purged with the
chats (`manage.py purge`).
"""

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import versions
from .opening_hours import OpeningHours, format_next_opening

CODE_DIGITS = 4
MESSAGE_MAX_LENGTH = 2000
HELPDESK_PERMISSION = "verification.helpdesk"


class VerificationCodeQuerySet(models.QuerySet):
    def current(self):
        """Not used up or replaced; may still have expired (compare `expires_at`)."""
        return self.filter(ended_at__isnull=True)


class VerificationCode(models.Model):
    """The code a person gives the helpdesk to show that the account in front of them is theirs."""

    class EndReason(models.TextChoices):
        USED = "used", _("gebruikt")
        EXPIRED = "expired", _("verlopen")
        TOO_MANY_FAILURES = "failures", _("te vaak onjuist ingevuld")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="verification_codes",
    )
    # Never shown outside the person's own pages: not in __str__, the admin or the audit trail.
    code = models.CharField(max_length=CODE_DIGITS, editable=False)
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    expires_at = models.DateTimeField(_("verloopt op"))
    failed_attempts = models.PositiveSmallIntegerField(_("onjuiste pogingen"), default=0)
    ended_at = models.DateTimeField(_("beëindigd op"), null=True, blank=True)
    end_reason = models.CharField(
        _("reden van beëindiging"), max_length=16, choices=EndReason.choices, blank=True
    )

    objects = VerificationCodeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("verificatiecode")
        verbose_name_plural = _("verificatiecodes")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(ended_at__isnull=True),
                name="verification_one_current_code_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True, end_reason="")
                | (models.Q(ended_at__isnull=False) & ~models.Q(end_reason="")),
                name="verification_code_ended_with_reason",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.created_at:%d-%m-%Y %H:%M})"


class ConversationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def waiting(self):
        """Open and not yet taken by an agent: the helpdesk's queue."""
        return self.filter(closed_at__isnull=True, taken_by__isnull=True)


class Conversation(models.Model):
    """One chat between a person and the helpdesk; a person has at most one open at a time."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persoon"),
        on_delete=models.CASCADE,
        related_name="verification_conversations",
    )
    created_at = models.DateTimeField(_("gestart op"), default=timezone.now)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("medewerker"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("overgenomen op"), null=True, blank=True)
    closed_at = models.DateTimeField(_("gesloten op"), null=True, blank=True)
    # The newest message's id, kept by Message.save: an empty poll reads one row, no subquery.
    last_message_id = models.PositiveBigIntegerField(default=0, editable=False)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("chatgesprek")
        verbose_name_plural = _("chatgesprekken")
        permissions = [
            (
                "helpdesk",
                _("Kan de helpdeskconsole gebruiken: chatten, verifiëren en resetten"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(closed_at__isnull=True),
                name="verification_one_open_conversation_per_person",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(closed_at__isnull=True, taken_by__isnull=True),
                name="verification_queue_idx",
            ),
        ]

    def __str__(self):
        return f"{self.person} ({self.created_at:%d-%m-%Y %H:%M})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Message(models.Model):
    """One line of a chat: plain text from the person or an agent, or an event of the system."""

    class Kind(models.TextChoices):
        PERSON = "person", _("persoon")
        AGENT = "agent", _("helpdesk")
        SYSTEM = "system", _("systeem")

    class Event(models.TextChoices):
        """What a system line says; the text is chosen when shown, in the reader's language."""

        TAKEN = "taken", _("gesprek overgenomen")
        CODE_REPLACED = "code_replaced", _("code vervangen")
        VERIFIED = "verified", _("account geverifieerd")
        CLOSED = "closed", _("gesprek gesloten")
        CLOSING_TIME = "closing_time", _("gesloten bij sluitingstijd")

    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("chatgesprek"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    kind = models.CharField(_("soort"), max_length=8, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("afzender"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("tekst"), blank=True)
    event = models.CharField(_("gebeurtenis"), max_length=16, choices=Event.choices, blank=True)
    created_at = models.DateTimeField(_("verstuurd op"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("chatbericht")
        verbose_name_plural = _("chatberichten")
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), MESSAGE_MAX_LENGTH),
                name="verification_message_max_length",
            ),
        ]
        indexes = [
            # The per-person rate limit counts one author's recent lines.
            models.Index(fields=["author", "created_at"], name="verification_msg_author_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%d-%m-%Y %H:%M}"

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:
            Conversation.objects.filter(pk=self.conversation_id).update(last_message_id=self.pk)
            # Every change of a chat writes a line, and every change of the queue (taken,
            # closed) a system line: the pollers' stamps go once it has committed.
            conversation_id, queue = self.conversation_id, self.kind == self.Kind.SYSTEM
            transaction.on_commit(lambda: versions.changed(conversation_id, queue=queue))

    def event_text(self, viewer: str) -> str:
        """What this system line says, in the reader's language: to the person (`viewer`
        "person") with the agent's first name, to an agent with the full name."""
        if viewer == "person":
            name = getattr(self.author, "first_name", "") or gettext("Een medewerker")
            texts = EVENT_TEXTS_FOR_THE_PERSON
        else:
            name = self.author.get_full_name() if self.author else ""
            name = name or gettext("het systeem")
            texts = EVENT_TEXTS_FOR_AGENTS
        text = texts.get(self.event)
        if self.event == self.Event.CLOSING_TIME:
            return str(text) % {"when": self._next_opening()}
        return str(text) % {"name": name} if text else ""

    def _next_opening(self) -> str:
        """When the helpdesk opens again, as said at the moment of this line."""
        hours = OpeningHours.from_settings()
        moment = hours.next_opening(self.created_at)
        return format_next_opening(moment, self.created_at) if moment else "?"

    def author_label(self, viewer: str, reader_id: int | None) -> str:
        """Who wrote this line, as its reader sees it: "U" for their own lines; to the person
        an agent is "Anna (helpdesk)", to agents everyone goes by their full name."""
        if self.author_id is not None and self.author_id == reader_id:
            return gettext("U")
        if self.kind == self.Kind.AGENT and viewer == "person":
            first_name = getattr(self.author, "first_name", "")
            if first_name:
                return gettext("%(name)s (helpdesk)") % {"name": first_name}
            return gettext("Helpdesk")
        full_name = self.author.get_full_name() if self.author else ""
        if self.kind == self.Kind.AGENT:
            return full_name or gettext("Helpdesk")
        return full_name or gettext("Persoon")


# What a system line says (`Message.event_text`); %(name)s is the agent's name.
EVENT_TEXTS_FOR_THE_PERSON = {
    Message.Event.TAKEN: _("%(name)s van de helpdesk helpt u verder."),
    Message.Event.CODE_REPLACED: _(
        "Uw verificatiecode is te vaak onjuist genoemd en daarom vervangen. Vernieuw de pagina "
        "om uw nieuwe code te zien."
    ),
    Message.Event.VERIFIED: _("Uw account is geverifieerd. U gaat nu verder naar ZorgPortaal."),
    Message.Event.CLOSED: _("De helpdesk heeft het gesprek beëindigd."),
    Message.Event.CLOSING_TIME: _(
        "De helpdesk is nu gesloten en heeft uw chat daarom beëindigd. We zijn weer "
        "bereikbaar: %(when)s. Start dan een nieuwe chat."
    ),
}
EVENT_TEXTS_FOR_AGENTS = {
    Message.Event.TAKEN: _("Overgenomen door %(name)s."),
    Message.Event.CODE_REPLACED: _(
        "De code is na 5 onjuiste pogingen vervangen; de persoon ziet de nieuwe code na het "
        "vernieuwen van de pagina."
    ),
    Message.Event.VERIFIED: _("Geverifieerd door %(name)s."),
    Message.Event.CLOSED: _("Gesloten door %(name)s."),
    Message.Event.CLOSING_TIME: _(
        "Gesloten bij sluitingstijd: de persoon wachtte nog. Weer open: %(when)s."
    ),
}
