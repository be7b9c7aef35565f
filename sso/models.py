"""What single sign-on remembers: which login a code or token came from, and each person's
subject identifier per service."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import RefreshToken


def new_subject() -> str:
    return secrets.token_urlsafe(24)


class PairwiseSubject(models.Model):
    """The `sub` a service knows a person by: random, stable, and different per service, so two
    services cannot join their records on it (data minimisation, OpenID Connect Core 8.1)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE
    )
    subject = models.CharField(max_length=64, unique=True, default=new_subject)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "application"], name="one_subject_per_service")
        ]

    def __str__(self):
        return f"{self.user} @ {self.application}"


class SignInQuerySet(models.QuerySet):
    def tokens_revoke(self) -> None:
        """The access and refresh tokens these sign-ins were given stop working."""
        for family in self.exclude(token_family=None).values_list("token_family", flat=True):
            RefreshToken.revoke_family(family)


class SignIn(models.Model):
    """A person signed in to a service: made with the authorization code, kept with its tokens.

    It carries the facts of the login behind it into the ID token (auth_time, amr, sid), lets a
    replayed code revoke what the code issued, and names the services a login reached.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE
    )
    login_id = models.CharField(max_length=32, db_index=True)
    authenticated_at = models.DateTimeField()
    methods = models.JSONField(default=list)  # RFC 8176 amr values
    acr = models.CharField(max_length=100, blank=True)  # sso.assurance: what the login proves
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    token_family = models.UUIDField(null=True, blank=True, db_index=True)

    objects = SignInQuerySet.as_manager()

    class Meta:
        verbose_name = _("inlog bij een dienst")
        verbose_name_plural = _("inlogs bij diensten")

    def __str__(self):
        return f"{self.user} @ {self.application} ({self.created_at:%Y-%m-%d %H:%M})"


class Consent(models.Model):
    """The person agreed that this service may receive these scopes' claims."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE
    )
    scopes = models.JSONField(default=list)
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "application"], name="one_consent_per_service")
        ]

    def __str__(self):
        return f"{self.user} @ {self.application}: {' '.join(self.scopes)}"

    @classmethod
    def covers(cls, user, application, scopes) -> bool:
        consent = cls.objects.filter(user=user, application=application).first()
        return consent is not None and set(scopes) <= set(consent.scopes)

    @classmethod
    def remember(cls, user, application, scopes) -> None:
        consent, _ = cls.objects.get_or_create(user=user, application=application)
        consent.scopes = sorted(set(consent.scopes) | set(scopes))
        consent.given_at = timezone.now()
        consent.save()


class LogoutNotice(models.Model):
    """A service must hear that a login it signed in with has ended (OpenID Connect
    Back-Channel Logout 1.0): queued with the end, sent by the worker, retried."""

    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    login_id = models.CharField(max_length=32)
    reason = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "login_id"], name="one_logout_notice_per_login"
            )
        ]
        indexes = [models.Index(fields=["sent_at", "failed_at", "next_attempt_at"])]

    def __str__(self):
        return f"{self.application} / {self.login_id}"
