"""People, the organisations they work for, and the invitations that bring them in."""

import hashlib
import re
import secrets
import unicodedata
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models, router
from django.db.models.functions import Lower
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from .validators import normalize_password


def normalize_email(email: str) -> str:
    """E-mail addresses are the login name; compare and store them in one form.

    NFKC, and invisible format characters (zero-width space and joiners, soft hyphen, BOM,
    Unicode category Cf) removed: "anna\u200b@example.org" is anna@example.org, never a
    look-alike second account.
    """
    text = unicodedata.normalize("NFKC", email or "")
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip().lower()


AAGUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def aaguid_lines(text: str) -> list[str]:
    """The lines of an allow-list as AAGUIDs in lower case, empty lines skipped."""
    return [line.strip().lower() for line in (text or "").splitlines() if line.strip()]


def validate_aaguid_lines(text: str) -> None:
    for line in aaguid_lines(text):
        if not AAGUID.fullmatch(line):
            raise ValidationError(
                _("“%(value)s” is geen AAGUID (32 hexadecimale tekens in vijf groepen)."),
                params={"value": line},
            )


class Organisation(models.Model):
    name = models.CharField(_("naam"), max_length=200, unique=True)
    # Allowed unless an administrator says otherwise. Opting in per organisation was weighed
    # and rejected: passkeys are already off for the whole platform until PASSKEYS_ENABLED is
    # set, and a passkey or key cannot be phished while a six-digit code can; defaulting to
    # "not allowed" would keep the stronger factor from every organisation whose administrator
    # never opens this page. An organisation that wants only its own managed keys sets the
    # allow-list below; one that wants none at all switches this off.
    passkeys_allowed = models.BooleanField(
        _("passkeys en beveiligingssleutels toegestaan"),
        default=True,
        help_text=_(
            "Uit: medewerkers van deze organisatie kunnen geen passkey of beveiligingssleutel "
            "instellen; al ingestelde sleutels blijven werken tot ze verwijderd zijn."
        ),
    )
    passkey_aaguids = models.TextField(
        _("alleen deze beveiligingssleutels (AAGUID)"),
        blank=True,
        help_text=_(
            "Eén AAGUID per regel, bijvoorbeeld cb69481e-8ff7-4039-93ec-0a2729a154a8. Leeg: "
            "elke passkey of sleutel telt. Ingevuld: alleen sleutels van deze typen, die dat "
            "met hun attestatie bewijzen; passkeys zonder attestatie tellen dan niet. Geldt "
            "voor nieuwe sleutels."
        ),
        validators=[validate_aaguid_lines],
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")

    def __str__(self):
        return self.name

    def allowed_aaguids(self) -> frozenset[str]:
        """The AAGUIDs of the allow-list, lower case; empty when any key counts."""
        return frozenset(aaguid_lines(self.passkey_aaguids))


class Role(models.Model):
    name = models.CharField(_("naam"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("rol")
        verbose_name_plural = _("rollen")

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email=normalize_email(email))

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        """The first administrator: staff, verified by construction (SPEC 8b)."""
        extra_fields.update(is_staff=True, is_superuser=True, identity_verified_at=timezone.now())
        return self.create_user(email, password, **extra_fields)


def new_security_stamp() -> str:
    return secrets.token_hex(16)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mailadres"), unique=True)
    first_name = models.CharField(_("voornaam"), max_length=150, blank=True)
    last_name = models.CharField(_("achternaam"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisatie"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.ForeignKey(
        Role,
        verbose_name=_("rol"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    is_staff = models.BooleanField(_("medewerker"), default=False)
    is_active = models.BooleanField(_("actief"), default=True)
    # Not `is_verified`: django-otp puts that method on request.user for the second factor.
    identity_verified_at = models.DateTimeField(
        _("identiteit geverifieerd op"),
        null=True,
        blank=True,
        help_text=_("Pas na verificatie door de helpdesk kan iemand het portaal gebruiken."),
    )
    date_joined = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    # last_login is set only when both factors are given; the dashboard shows the one before.
    previous_login = models.DateTimeField(_("vorige inlog"), null=True, blank=True)
    # Set by accounts.deactivation: the account is erased ACCOUNT_RETENTION_DAYS after it.
    deactivated_at = models.DateTimeField(_("gedeactiveerd op"), null=True, blank=True)
    # Part of every session's auth hash: a new stamp ends every session of the account.
    security_stamp = models.CharField(max_length=32, default=new_security_stamp, editable=False)
    # Helpdesk agents serve the people of these organisations, or of all (central servicedesk).
    served_organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("helpdesk voor organisaties"),
        blank=True,
        related_name="helpdesk_agents",
        help_text=_("Alleen voor helpdeskmedewerkers: de organisaties wier mensen zij helpen."),
    )
    serves_all_organisations = models.BooleanField(
        _("helpdesk voor alle organisaties"),
        default=False,
        help_text=_("Centrale servicedesk: helpt de mensen van elke organisatie."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email)

    @property
    def is_identity_verified(self) -> bool:
        return self.identity_verified_at is not None

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self):
        return self.first_name or self.email

    def set_password(self, raw_password):
        """Hash the NFKC form (README, "Passwords"), whichever page or command sets it.

        A password not in NFKC costs a second hash here, as it does in `check_password`: Django's
        backend sets a dummy password for an unknown address, which must take as long as
        checking a known one, or the time of the answer tells who has an account.
        """
        if raw_password is None:
            return super().set_password(None)
        password = normalize_password(raw_password)
        if password != raw_password:
            make_password(raw_password)
        return super().set_password(password)

    def check_password(self, raw_password):
        """Check the NFKC form; a hash of the password as typed (the admin and createsuperuser
        made those before) still matches once, and is replaced by a hash of the NFKC form."""
        if raw_password is None:
            return False
        password = normalize_password(raw_password)
        if super().check_password(password):
            return True
        if password == raw_password or not super().check_password(raw_password):
            return False
        self.set_password(password)
        self._password = None  # a new hash of the same password is no password change
        self.save(update_fields=["password"])
        return True

    async def acheck_password(self, raw_password):
        return await sync_to_async(self.check_password)(raw_password)

    def _get_session_auth_hash(self, secret=None):
        """Django's hash of the password, with the security stamp: either change ends sessions."""
        return salted_hmac(
            "accounts.User.session_auth_hash",
            f"{self.password}:{self.security_stamp}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


def hash_token(token: str) -> str:
    """Invitation links are stored only as this hash; the raw token lives in the mail."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_invitation_expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        """Not used and not revoked; may still have expired."""
        return self.filter(used_at__isnull=True, revoked_at__isnull=True)

    def with_status(self, now=None):
        """Each invitation with its `status` at `now` (an `Invitation.Status` value), read
        with the row: a list filters, counts and shows it without working it out per row."""
        return self.annotate(status=status_expression(now or timezone.now()))


# The dates an invitation's status depends on, besides the clock.
STATUS_FIELDS = ["revoked_at", "used_at", "expires_at", "opened_at", "send_failed_at", "sent_at"]


def status_expression(now) -> models.Case:
    """The one definition of an invitation's status at `now`: the first that holds, in this
    order. A list reads it with its rows (`with_status`), one invitation asks `status_at`."""
    status = Invitation.Status
    failed = models.Q(send_failed_at__isnull=False) & (
        models.Q(sent_at__isnull=True) | models.Q(send_failed_at__gt=models.F("sent_at"))
    )
    return models.Case(
        models.When(revoked_at__isnull=False, then=models.Value(status.REVOKED.value)),
        models.When(used_at__isnull=False, then=models.Value(status.USED.value)),
        models.When(expires_at__lte=now, then=models.Value(status.EXPIRED.value)),
        models.When(opened_at__isnull=False, then=models.Value(status.OPENED.value)),
        models.When(failed, then=models.Value(status.FAILED.value)),
        models.When(sent_at__isnull=False, then=models.Value(status.SENT.value)),
        default=models.Value(status.QUEUED.value),
        output_field=models.CharField(),
    )


class Invitation(models.Model):
    """One address invited by the servicedesk, with the hash of its current link."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("wordt verstuurd")
        SENT = "sent", _("verstuurd")
        FAILED = "failed", _("verzenden mislukt")
        OPENED = "opened", _("geopend")
        USED = "used", _("gebruikt")
        EXPIRED = "expired", _("verlopen")
        REVOKED = "revoked", _("ingetrokken")

    email = models.EmailField(_("e-mailadres"))
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisatie"), on_delete=models.PROTECT
    )
    role = models.ForeignKey(Role, verbose_name=_("rol"), on_delete=models.PROTECT)
    # The name the organisation gave; the person confirms it, the helpdesk checks it.
    first_name = models.CharField(_("voornaam"), max_length=150, blank=True)
    last_name = models.CharField(_("achternaam"), max_length=150, blank=True)
    language = models.CharField(
        _("taal van de mail"), max_length=8, choices=settings.LANGUAGES, default="nl"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uitgenodigd door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # With SECRET_KEY it makes the link again (`mailed_token`): every retry mails the same link.
    link_salt = models.CharField(max_length=32, blank=True, editable=False)
    expires_at = models.DateTimeField(_("verloopt op"), default=new_invitation_expiry)
    sent_at = models.DateTimeField(_("verstuurd op"), null=True, blank=True)
    send_failed_at = models.DateTimeField(_("verzenden mislukt op"), null=True, blank=True)
    send_attempts = models.PositiveIntegerField(_("verzendpogingen"), default=0)
    send_error = models.CharField(_("laatste verzendfout"), max_length=200, blank=True)
    # Committed before the mail goes out, so a worker killed while sending cannot undo it.
    last_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)
    opened_at = models.DateTimeField(_("link geopend op"), null=True, blank=True)
    used_at = models.DateTimeField(_("gebruikt op"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitation",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("uitnodiging")
        verbose_name_plural = _("uitnodigingen")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(used_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email",
            ),
        ]

    def __str__(self):
        return self.email

    def new_token(self) -> str:
        """Give this invitation a fresh link; any earlier link stops working."""
        self.link_salt = secrets.token_hex(16)
        token = self._link_token(settings.SECRET_KEY)
        self.token_hash = hash_token(token)
        return token

    def mailed_token(self) -> str | None:
        """The link `new_token` made, made again: a mail retried after a crash carries the
        same link as the first, which may have gone out. None when no key makes it any more
        (SECRET_KEY replaced without a fallback, or a link made before links had a salt)."""
        if not self.link_salt:
            return None
        for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
            token = self._link_token(key)
            if constant_time_compare(hash_token(token), self.token_hash):
                return token
        return None

    def _link_token(self, key: str) -> str:
        """Neither the salt nor the hash alone gives the link: it needs the secret key too."""
        digest = salted_hmac(
            "accounts.Invitation.link", self.link_salt, secret=key, algorithm="sha256"
        ).digest()
        return urlsafe_base64_encode(digest)

    def status_at(self, now) -> "Invitation.Status":
        """This invitation's status at `now`: `status_expression` applied to the dates it holds
        (saved or not), in one query without a table, as Django's `Q.check` does."""
        query = Query(None)
        for name in STATUS_FIELDS:
            value = models.Value(getattr(self, name), output_field=self._meta.get_field(name))
            query.add_annotation(value, name, select=False)
        query.add_annotation(status_expression(now), "status")
        using = router.db_for_read(Invitation, instance=self)
        (status,) = query.get_compiler(using=using).execute_sql(SINGLE)
        return self.Status(status)


class PasswordResetMail(models.Model):
    """A "Wachtwoord vergeten?" mail waiting for the mail worker, or sent.

    Holds no link: the worker makes the reset link when it sends (Django's reset links are
    computed from the account's state, not stored), so the queue keeps no secret.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    language = models.CharField(
        _("taal van de mail"), max_length=8, choices=settings.LANGUAGES, default="nl"
    )
    requested_at = models.DateTimeField(_("aangevraagd op"), default=timezone.now)
    sent_at = models.DateTimeField(_("verstuurd op"), null=True, blank=True)
    send_failed_at = models.DateTimeField(_("verzenden mislukt op"), null=True, blank=True)
    send_attempts = models.PositiveIntegerField(_("verzendpogingen"), default=0)
    # Committed before the mail goes out, so a worker killed while sending cannot undo it.
    last_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["requested_at"]
        verbose_name = _("wachtwoordherstelmail")
        verbose_name_plural = _("wachtwoordherstelmails")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(sent_at__isnull=True),
                name="password_reset_one_queued_mail_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.requested_at:%d-%m-%Y %H:%M})"
