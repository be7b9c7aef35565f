"""Second factors: enrol an app, link a hardware token, import Azure CSV files, unlock devices.

These are the public functions the views, the admin, the management commands and other apps
use. None of them returns, logs or audits a seed or a code.
"""

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode
from xml.etree import ElementTree

import qrcode
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from django_otp import devices_for_user
from qrcode.image.svg import SvgPathFillImage

from zorgportaal import audit

from .azure_csv import AzureCsvError, CsvProblem, parse_azure_csv
from .crypto import encrypt_seed, reencrypt_seed
from .enrolment import discard_unfinished
from .models import (
    APP_STEP_SECONDS,
    CODE_DIGITS,
    LOCK_AFTER_FAILURES,
    AppDevice,
    AzureCsvImport,
    HardwareToken,
    HardwareTokenDevice,
    Lockout,
    TotpDeviceMixin,
)

# Serials per "which of these do we know?" query: below every backend's parameter limit.
KNOWN_SERIALS_BATCH = 500


REFUSAL_MESSAGES = {
    "throttled": _(
        "U heeft te vaak een onjuiste code ingevuld. Probeer het om %(time)s opnieuw, met een "
        "nieuwe code."
    ),
    "locked": _(
        "Dit authenticatiemiddel is geblokkeerd na te veel onjuiste codes. Neem contact op met "
        "de servicedesk om het te laten deblokkeren."
    ),
}


@dataclass(frozen=True)
class Refusal:
    """Why a device will not check codes now: "throttled" (until a moment) or "locked"."""

    code: str
    until: datetime | None = None

    @property
    def message(self) -> str:
        if self.until is None:
            return str(REFUSAL_MESSAGES[self.code])
        moment = timezone.localtime(self.until)
        shown = (
            f"{moment:%H:%M:%S}"
            if moment.date() == timezone.localdate()
            else f"{moment:%d-%m-%Y %H:%M}"
        )
        return REFUSAL_MESSAGES[self.code] % {"time": shown}


def device_refusal(device: TotpDeviceMixin) -> Refusal | None:
    """Say whether a device refuses codes now, so the page can say why and until when."""
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    if info.get("reason") is Lockout.TOO_MANY_FAILURES:
        return Refusal("locked")
    return Refusal("throttled", info.get("locked_until"))


def _device_facts(device) -> dict:
    return {"device": device.persistent_id, "kind": device._meta.model_name}


def device_verify(device: TotpDeviceMixin, code: str, *, request) -> bool:
    """Check a code on a device; audit each failure, and the failure that locks the device."""
    if device.verify_token(code):
        return True
    failures = device.throttling_failure_count
    audit.record(
        "device.failed",
        request=request,
        subject=device.user,
        success=False,
        failure_count=failures,
        **_device_facts(device),
    )
    if failures == LOCK_AFTER_FAILURES:
        audit.record("device.locked", request=request, subject=device.user, **_device_facts(device))
    return False


def device_unlock(device: TotpDeviceMixin, *, request=None) -> None:
    """Let a locked or throttled device check codes again (the helpdesk or an administrator)."""
    device.throttle_reset(commit=False)
    device.save(update_fields=["throttling_failure_count", "throttling_failure_timestamp"])
    audit.record("device.unlocked", request=request, subject=device.user, **_device_facts(device))


def device_remove(device: TotpDeviceMixin, *, request=None) -> None:
    """Take a second factor away (a lost phone or token); an inventory token becomes free."""
    facts, user = _device_facts(device), device.user
    device.delete()
    audit.record("device.removed", request=request, subject=user, **facts)


@dataclass(frozen=True)
class DeviceSummary:
    """What a person or the helpdesk may see of a device: never its seed."""

    persistent_id: str
    name: str
    kind: str
    confirmed: bool
    locked: bool
    created_at: datetime | None
    last_used_at: datetime | None


def device_list(*, user) -> list[DeviceSummary]:
    """A person's second factors, confirmed or not, oldest first."""
    devices = sorted(
        devices_for_user(user, confirmed=None),
        key=lambda device: (device.created_at is None, device.created_at),
    )
    return [
        DeviceSummary(
            persistent_id=device.persistent_id,
            name=device.name,
            kind=str(device._meta.verbose_name),
            confirmed=device.confirmed,
            locked=device.is_locked,
            created_at=device.created_at,
            last_used_at=device.last_used_at,
        )
        for device in devices
    ]


# Authenticator apps


def app_device_start(user, *, request=None) -> AppDevice:
    """The app device whose QR code this person sees; the same one until confirmed or discarded.

    Reusing it keeps the QR code the same after a wrong code, so the person's app stays right.
    """
    device = AppDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = AppDevice.objects.create(
            user=user, name=gettext("Authenticator-app"), confirmed=False
        )
        audit.record("device.enrolled", request=request, subject=user, **_device_facts(device))
    return device


def app_device_confirm(device: AppDevice, code: str, *, request) -> bool:
    """Confirm the app with its first valid code; from then on it is a second factor."""
    with transaction.atomic():
        if not device_verify(device, code, request=request):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        discard_unfinished(device.user)  # a QR code opened in a second tab, say
    audit.record("device.confirmed", request=request, subject=device.user, **_device_facts(device))
    return True


def secret_base32(device: AppDevice) -> str:
    """The seed as Base32 without padding, as authenticator apps expect it."""
    return base64.b32encode(device.secret()).decode("ascii").rstrip("=")


@sensitive_variables("secret")
def secret_for_typing(device: AppDevice) -> str:
    """The seed in groups of four ("ABCD EFGH …") for people who cannot scan the QR code."""
    secret = secret_base32(device)
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@sensitive_variables("params")
def otpauth_uri(device: AppDevice) -> str:
    """The Key URI (Google's format) that the QR code holds: issuer, e-mail, secret, SHA1/6/30."""
    issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
    label = f"{quote(issuer)}:{quote(device.user.email, safe='@')}"
    params = {
        "secret": secret_base32(device),
        "issuer": issuer,
        "algorithm": "SHA1",
        "digits": CODE_DIGITS,
        "period": APP_STEP_SECONDS,
    }
    return f"otpauth://totp/{label}?{urlencode(params, quote_via=quote)}"


@sensitive_variables("uri")
def qr_svg(uri: str) -> SafeString:
    """The URI as an inline SVG QR code with a title for screen readers; drawn here, not fetched.

    Safe to insert in a page: ElementTree escapes every text, and the URI is only drawn.
    """
    image = qrcode.make(uri, image_factory=SvgPathFillImage, box_size=10, border=4)
    svg = image.get_image()
    svg.set("class", "qr-code")
    svg.set("role", "img")
    svg.set("aria-labelledby", "qr-code-title")
    title = ElementTree.Element("title", id="qr-code-title")
    title.text = gettext("QR-code om uw account toe te voegen aan uw authenticator-app")
    svg.insert(0, title)
    return mark_safe(ElementTree.tostring(svg, encoding="unicode"))  # noqa: S308  # nosec B308, B703


# Hardware tokens


class TokenLinkError(Exception):
    """Why a token could not be linked; `code` says which, `message` says it to the person."""

    messages = {
        "unknown_serial": _(
            "Dit serienummer kennen we niet. Controleer het serienummer op de achterkant van "
            "het token. Is het token net aangeschaft? Upload dan eerst de Azure CSV."
        ),
        "already_linked": _(
            "Dit token is al aan een ander account gekoppeld. Controleer het serienummer, of "
            "neem contact op met de servicedesk."
        ),
        "invalid_code": _(
            "Deze code klopt niet. Druk op het knopje van het token en vul de nieuwe code in."
        ),
    }

    def __init__(self, code: str, message: str = ""):
        super().__init__(code)
        self.code = code
        self.message = message or str(self.messages[code])


def token_link(*, user, serial: str, code: str, request) -> HardwareTokenDevice:
    """Make an inventory token this person's second factor, if they show a valid code from it.

    Raises TokenLinkError. The token row is locked while linking and the one-to-one field backs
    that up: of two people linking the same token at the same moment, exactly one succeeds.
    """
    serial = serial.strip()
    with transaction.atomic():
        # Failures return instead of raising, so their throttling state is committed.
        device, error = _token_link_locked(user, serial, code, request)
    if error is not None:
        audit.record(
            "token.link_failed",
            request=request,
            subject=user,
            success=False,
            reason=error.code,
            serial=serial[:64],
        )
        raise error
    audit.record("token.linked", request=request, subject=user, serial=serial)
    return device


def _token_link_locked(user, serial, code, request):
    token = HardwareToken.objects.select_for_update().filter(serial=serial).first()
    if token is None:
        return None, TokenLinkError("unknown_serial")
    device = HardwareTokenDevice.objects.filter(hardware_token=token).first()
    if device is not None and device.confirmed:
        return None, TokenLinkError("already_linked")
    if device is None:
        try:
            with transaction.atomic():
                device = HardwareTokenDevice.objects.create(
                    user=user, hardware_token=token, name=f"Token {serial}"[:64], confirmed=False
                )
        except IntegrityError:
            return None, TokenLinkError("already_linked")
    elif device.user_id != user.pk:
        # Attempts with wrong codes bind nobody; whoever tries now takes over the throttling.
        device.user = user
        device.save(update_fields=["user"])
    refusal = device_refusal(device)
    if refusal is not None:
        return None, TokenLinkError(refusal.code, refusal.message)
    if not device_verify(device, code, request=request):
        return None, TokenLinkError("invalid_code")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    discard_unfinished(user)
    return device, None


# Azure CSV import

_IMPORT_RACE_MESSAGE = _(
    "Een of meer serienummers uit dit bestand zijn zojuist door iemand anders geïmporteerd. "
    "Er is niets toegevoegd; upload het bestand opnieuw om te zien welke regels het betreft."
)


def _known_serials(serials: set[str]) -> set[str]:
    """Which of these serials the inventory holds, in a fixed number of queries per batch."""
    ordered = sorted(serials)
    known = set()
    for start in range(0, len(ordered), KNOWN_SERIALS_BATCH):
        batch = ordered[start : start + KNOWN_SERIALS_BATCH]
        known.update(
            HardwareToken.objects.filter(serial__in=batch).values_list("serial", flat=True)
        )
    return known


@sensitive_variables("data", "rows")
def tokens_import_azure_csv(
    *,
    data: bytes,
    filename: str,
    imported_by,
    source: str,
    max_rows: int,
    max_bytes: int,
    request=None,
) -> AzureCsvImport:
    """Add every token of an Azure CSV to the inventory, or none (raises AzureCsvError).

    A serial already in the inventory is reported, never overwritten; another import adding
    the same serial at the same moment makes this one fail as a whole.
    """
    filename = filename[:255]
    try:
        with transaction.atomic():
            rows = parse_azure_csv(
                data, max_rows=max_rows, max_bytes=max_bytes, known_serials=_known_serials
            )
            csv_import = AzureCsvImport.objects.create(
                imported_by=imported_by, filename=filename, source=source, token_count=len(rows)
            )
            HardwareToken.objects.bulk_create(_inventory_tokens(rows, csv_import, imported_by))
    except IntegrityError:
        problem = CsvProblem(None, str(_IMPORT_RACE_MESSAGE))
        _audit_rejected(filename, source, 1, imported_by, request)
        raise AzureCsvError([problem]) from None
    except AzureCsvError as error:
        _audit_rejected(filename, source, len(error.problems), imported_by, request)
        raise
    audit.record(
        "csv.imported",
        request=request,
        actor=imported_by,
        filename=filename,
        source=source,
        token_count=csv_import.token_count,
        csv_import=csv_import.pk,
    )
    return csv_import


@sensitive_variables("rows")
def _inventory_tokens(
    rows: Iterable, csv_import: AzureCsvImport, imported_by
) -> list[HardwareToken]:
    return [
        HardwareToken(
            serial=row.serial,
            encrypted_seed=encrypt_seed(row.secret),
            interval=row.interval,
            manufacturer=row.manufacturer,
            model=row.model,
            upn=row.upn,
            imported_by=imported_by,
            csv_import=csv_import,
        )
        for row in rows
    ]


def _audit_rejected(filename, source, problem_count, imported_by, request) -> None:
    audit.record(
        "csv.rejected",
        request=request,
        actor=imported_by,
        success=False,
        filename=filename,
        source=source,
        problem_count=problem_count,
    )


def seeds_reencrypt() -> int:
    """Encrypt every stored seed with the current key, in one transaction; return how many.

    Raises cryptography's InvalidToken, changing nothing, if a seed matches no configured key.
    """
    count = 0
    with transaction.atomic():
        for model, field in ((HardwareToken, "encrypted_seed"), (AppDevice, "encrypted_secret")):
            rows = list(model.objects.select_for_update().only("pk", field))
            for row in rows:
                setattr(row, field, reencrypt_seed(getattr(row, field)))
            model.objects.bulk_update(rows, [field], batch_size=500)
            count += len(rows)
    return count
