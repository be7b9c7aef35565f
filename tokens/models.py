"""Second factors as a django-otp plugin: authenticator apps and hardware TOTP tokens.

Both device kinds verify codes through one mixin, so `django_otp.login`, `OTPMiddleware` and
`user_has_device` treat them alike. Seeds are stored encrypted (see `tokens.crypto`) and never
appear in `__str__`, forms or the admin.
"""

import enum
import re
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin, VerifyNotAllowed
from django_otp.oath import TOTP

from .crypto import decrypt_seed, encrypt_seed

# NIST SP 800-63B 5.2.2: no more than 100 consecutive failed attempts on one authenticator.
LOCK_AFTER_FAILURES = 100
# The first wrong code costs no wait: a typo, or a code typed as it changed, is retried at once
# and must not hear "too often" (the per-account limit in `tokens.codes` still counts it). From
# the second failure in a row the wait doubles from one second (OTP_TOTP_THROTTLE_FACTOR) up to
# MAX_THROTTLE_DELAY, as Keycloak's does. Unbounded, it passed a year after 26 failures: whoever
# knew the password could keep a factor blocked for good, and the lock above (which the helpdesk
# lifts, and the person is mailed about) was never reached. Now 100 failures take a day of
# trying.
FAILURES_BEFORE_WAIT = 2
MAX_THROTTLE_DELAY = timedelta(minutes=15)
CODE_DIGITS = 6
CODE_PATTERN = re.compile(r"[0-9]{6}")
# One time step either way: a phone clock a little off, or a code typed as it changed.
TOLERANCE_STEPS = 1
APP_SECRET_BYTES = 20  # 160 bits, what RFC 4226 recommends for HMAC-SHA1
APP_STEP_SECONDS = 30


class Lockout(enum.Enum):
    """The `reason` in `verify_is_allowed` when a device needs the helpdesk to unlock it."""

    TOO_MANY_FAILURES = "TOO_MANY_FAILURES"


class CodeCheck(enum.Enum):
    """What `check_code` made of a code."""

    ACCEPTED = "accepted"
    REFUSED = "refused"  # not checked: the device waits, or is locked
    WRONG = "wrong"  # checked and counted as a failure
    LOCKED = "locked"  # wrong, and the failure that locked the device


def never_in_templates(method):
    """`{{ device.secret }}` must never render a seed: templates get the method, not its result."""
    method.do_not_call_in_templates = True
    return method


def normalize_code(code) -> str:
    """People type codes as shown ("123 456"); compare the digits only."""
    return "".join(str(code).split())


class TotpDeviceMixin(TimestampMixin, ThrottlingMixin, Device):
    """RFC 6238 verification (SHA-1, 6 digits, 1 step of drift) shared by every device kind.

    Subclasses provide `secret()` (the seed as bytes) and `step` (seconds). Each code is
    accepted once: `last_t` remembers the last time step used, and the device row is locked
    while checking, so two requests with the same code cannot both pass.
    """

    last_t = models.BigIntegerField(
        _("laatst gebruikte tijdstap"),
        default=-1,
        editable=False,
        help_text=_("Een code uit deze of een eerdere tijdstap wordt niet meer geaccepteerd."),
    )

    # Fields `verify_token` reads under the row lock and writes back.
    VERIFY_STATE = (
        "last_t",
        "throttling_failure_count",
        "throttling_failure_timestamp",
        "last_used_at",
    )

    class Meta(Device.Meta):
        abstract = True

    @never_in_templates
    def secret(self) -> bytes:
        raise NotImplementedError

    @property
    def step(self) -> int:
        raise NotImplementedError

    @property
    def is_locked(self) -> bool:
        return self.throttling_failure_count >= LOCK_AFTER_FAILURES

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    def throttle_delay(self) -> timedelta:
        """The wait after the failures so far: none after the first, then doubling from the
        factor, at most 15 minutes."""
        failures, factor = self.throttling_failure_count, self.get_throttle_factor()
        if failures < FAILURES_BEFORE_WAIT or factor <= 0:
            return timedelta(0)
        doublings = failures - FAILURES_BEFORE_WAIT
        return timedelta(seconds=min(factor * 2**doublings, MAX_THROTTLE_DELAY.total_seconds()))

    def verify_is_allowed(self):
        """Refuse outright after too many failures; otherwise wait `throttle_delay` after the
        last failure. django-otp's own (uncapped) delay in ThrottlingMixin is skipped."""
        if self.is_locked:
            return False, {
                "reason": Lockout.TOO_MANY_FAILURES,
                "failure_count": self.throttling_failure_count,
            }
        last_failure = self.throttling_failure_timestamp
        until = last_failure + self.throttle_delay() if last_failure else None
        if until is not None and timezone.now() < until:
            return False, {
                "reason": VerifyNotAllowed.N_FAILED_ATTEMPTS,
                "failure_count": self.throttling_failure_count,
                "locked_until": until,
            }
        return super(ThrottlingMixin, self).verify_is_allowed()

    def verify_token(self, token) -> bool:
        """django-otp's question: is this code accepted? (`check_code` says more.)"""
        return self.check_code(token) is CodeCheck.ACCEPTED

    def check_code(self, token) -> CodeCheck:
        """Check a code and record the outcome, holding the device row locked meanwhile.

        Only the request whose failure locks the device hears LOCKED: a second one at the same
        moment waits for the row, then finds it locked and is REFUSED.
        """
        with transaction.atomic():
            self._refresh_verify_state_for_update()
            if not self.verify_is_allowed()[0]:
                return CodeCheck.REFUSED
            verified = self._matching_step(normalize_code(token))
            if verified is None:
                self.throttle_increment(commit=False)
            else:
                self.last_t = verified
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
            self.save(update_fields=self.VERIFY_STATE)
        if verified is not None:
            return CodeCheck.ACCEPTED
        return CodeCheck.LOCKED if self.is_locked else CodeCheck.WRONG

    def _refresh_verify_state_for_update(self) -> None:
        state = type(self).objects.select_for_update().values(*self.VERIFY_STATE).get(pk=self.pk)
        for name, value in state.items():
            setattr(self, name, value)

    def _matching_step(self, code: str) -> int | None:
        """The time step the code belongs to, if it is valid now and newer than `last_t`."""
        if not CODE_PATTERN.fullmatch(code):
            return None
        totp = TOTP(self.secret(), step=self.step, t0=0, digits=CODE_DIGITS)
        totp.time = time.time()
        if totp.verify(int(code), tolerance=TOLERANCE_STEPS, min_t=self.last_t + 1):
            return totp.t()
        return None


def new_app_secret() -> str:
    return encrypt_seed(secrets.token_bytes(APP_SECRET_BYTES))


class AppDevice(TotpDeviceMixin):
    """An authenticator app (Microsoft/Google Authenticator, FreeOTP …) on a phone or tablet.

    Created unconfirmed when the QR code is first shown; confirmed by its first valid code.
    """

    # RFC 8176: a one-time password from a key kept in software (single sign-on's `amr`).
    authentication_methods = ("otp", "swk")

    encrypted_secret = models.TextField(default=new_app_secret, editable=False)

    class Meta(TotpDeviceMixin.Meta):
        verbose_name = _("authenticator-app")
        verbose_name_plural = _("authenticator-apps")

    @property
    def step(self) -> int:
        return APP_STEP_SECONDS

    @never_in_templates
    def secret(self) -> bytes:
        return decrypt_seed(self.encrypted_secret)


class AzureCsvImport(models.Model):
    """One accepted Azure CSV file: who brought which tokens in, when and how."""

    class Source(models.TextChoices):
        REGISTRATION = "registration", _("registratie")
        MYACCOUNT = "myaccount", _("mijn account")
        ADMIN = "admin", _("beheer")
        COMMAND = "command", _("beheercommando")

    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("geïmporteerd door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("geïmporteerd op"), default=timezone.now)
    filename = models.CharField(_("bestandsnaam"), max_length=255)
    source = models.CharField(_("bron"), max_length=16, choices=Source.choices)
    token_count = models.PositiveIntegerField(_("aantal tokens"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Azure CSV-import")
        verbose_name_plural = _("Azure CSV-imports")

    def __str__(self):
        return f"{self.filename} ({self.created_at:%d-%m-%Y %H:%M})"


class HardwareToken(models.Model):
    """A hardware TOTP token in the inventory, as imported from an Azure CSV; not yet a factor.

    A token becomes someone's second factor through a `HardwareTokenDevice`.
    """

    serial = models.CharField(_("serienummer"), max_length=64)
    # Whose token it is: only people of this organisation may link it. Empty only for tokens
    # imported before organisations were recorded; nobody links those until an administrator
    # imports them again for an organisation.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisatie"),
        null=True,
        on_delete=models.PROTECT,
        related_name="hardware_tokens",
    )
    encrypted_seed = models.TextField(editable=False)
    interval = models.PositiveSmallIntegerField(
        _("tijdsinterval (seconden)"), choices=[(30, "30"), (60, "60")]
    )
    manufacturer = models.CharField(_("fabrikant"), max_length=100, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    upn = models.CharField(_("UPN (uit de CSV)"), max_length=256, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("geïmporteerd door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    csv_import = models.ForeignKey(
        AzureCsvImport,
        verbose_name=_("import"),
        on_delete=models.PROTECT,
        related_name="tokens",
    )
    created_at = models.DateTimeField(_("toegevoegd op"), default=timezone.now)

    class Meta:
        ordering = ["serial"]
        verbose_name = _("hardware token")
        verbose_name_plural = _("hardware tokens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(interval__in=(30, 60)), name="hardwaretoken_interval_totp"
            ),
            # Per organisation: a serial typed by someone elsewhere never blocks a real batch.
            models.UniqueConstraint(
                fields=["organisation", "serial"], name="hardwaretoken_serial_per_organisation"
            ),
            models.UniqueConstraint(
                fields=["serial"],
                condition=models.Q(organisation__isnull=True),
                name="hardwaretoken_serial_without_organisation",
            ),
        ]
        indexes = [models.Index(fields=["serial"], name="hardwaretoken_serial_idx")]

    def __str__(self):
        return self.serial

    @never_in_templates
    def secret(self) -> bytes:
        return decrypt_seed(self.encrypted_seed)


class HardwareTokenDevice(TotpDeviceMixin):
    """One inventory token as one person's second factor.

    The one-to-one field lets the database guarantee a token serves at most one person. The
    row is made only when someone of the token's organisation shows a valid code: attempts to
    link are throttled per person and per client, never on the shared token.
    """

    # RFC 8176: a one-time password from a key kept in hardware (single sign-on's `amr`).
    authentication_methods = ("otp", "hwk")

    hardware_token = models.OneToOneField(
        HardwareToken,
        verbose_name=_("hardware token"),
        on_delete=models.PROTECT,
        related_name="device",
    )

    class Meta(TotpDeviceMixin.Meta):
        verbose_name = _("gekoppeld hardware token")
        verbose_name_plural = _("gekoppelde hardware tokens")

    @property
    def step(self) -> int:
        return self.hardware_token.interval

    @never_in_templates
    def secret(self) -> bytes:
        return self.hardware_token.secret()
