"""The audit trail: append-only security events, in the spirit of NEN 7513."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One security event. Never holds a secret: no passwords, seeds, tokens or codes.

    Append-only: here in the model and queryset, and on PostgreSQL also by a trigger
    (migration 0005) that refuses UPDATE and DELETE. Kept at least five years (SECURITY.md);
    there is deliberately no purge command.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("gelukt")
        FAILURE = "failure", _("mislukt")

    created_at = models.DateTimeField(_("tijdstip (UTC)"), default=timezone.now, db_index=True)
    event = models.CharField(_("gebeurtenis"), max_length=64, db_index=True)
    outcome = models.CharField(_("uitkomst"), max_length=16, choices=Outcome.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uitgevoerd door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_email = models.CharField(_("e-mailadres uitvoerder"), max_length=254, blank=True)
    # A snapshot of the actor's rights and role at the moment of the event (NEN 7513), e.g.
    # "helpdesk" or "gebruiker / Doktersassistent"; empty for the system and the anonymous.
    actor_role = models.CharField(_("rol uitvoerder"), max_length=150, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("betreft account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Indexed: "Mijn gegevens" finds a person's events from before their account by it.
    subject_email = models.CharField(
        _("e-mailadres betrokkene"), max_length=254, blank=True, db_index=True
    )
    client_ip = models.GenericIPAddressField(_("adres client"), null=True, blank=True)
    request_id = models.CharField(_("request-id"), max_length=64, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("auditgebeurtenis")
        verbose_name_plural = _("audittrail")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.event} {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")


class Throttle(models.Model):
    """Failures counted for one key (an account, a client address), shared by all app servers."""

    key = models.CharField(max_length=128, unique=True)
    failures = models.PositiveIntegerField(default=0)
    blocked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # Attempts refused while blocked in this window: the trail records the 1st, 10th, 100th …
    refused = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("blokkade")
        verbose_name_plural = _("blokkades")

    def __str__(self):
        return self.key


class LoginSessionQuerySet(models.QuerySet):
    def live(self, *, now=None):
        """Not ended, and neither too idle nor too old to be used again."""
        now = now or timezone.now()
        return self.filter(
            ended_at=None,
            last_seen_at__gt=now - timedelta(seconds=settings.SESSION_IDLE_SECONDS),
            started_at__gt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE),
        )


class LoginSession(models.Model):
    """One two-factor login and the session that carries it, so that the person (Mijn account,
    "Sessies") and administrators can see and end it. The session key follows every rotation
    (zorgportaal.session_store)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions"
    )
    login_id = models.CharField(max_length=32, unique=True)
    session_key = models.CharField(max_length=40, db_index=True)
    started_at = models.DateTimeField(_("ingelogd op"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("laatst actief"), default=timezone.now)
    ended_at = models.DateTimeField(_("beëindigd op"), null=True, blank=True)
    end_reason = models.CharField(max_length=32, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    objects = LoginSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("sessie")
        verbose_name_plural = _("sessies")

    def __str__(self):
        return f"{self.user} {self.started_at:%Y-%m-%d %H:%M}"
