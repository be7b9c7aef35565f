"""Second factors: enrol an app, link a hardware token, import Azure CSV files, unlock devices.

These are the public functions the views, the admin, the management commands and other apps
use. None of them returns, logs or audits a seed or a code.
"""

import base64
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from django_otp import devices_for_user

from accounts.models import new_security_stamp, normalize_email
from zorgportaal import audit, emails, sessions, throttle
from zorgportaal.requests import client_ip

from .azure_csv import AzureCsvError, CsvProblem, parse_azure_csv
from .crypto import encrypt_seed, reencrypt_seed
from .enrolment import discard_unfinished
from .models import (
    APP_STEP_SECONDS,
    CODE_DIGITS,
    LOCK_AFTER_FAILURES,
    AppDevice,
    AzureCsvImport,
    CodeCheck,
    HardwareToken,
    HardwareTokenDevice,
    Lockout,
    TotpDeviceMixin,
    normalize_code,
)

logger = logging.getLogger(__name__)

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
# A wait this short is said in seconds ("Wacht nog 4 seconden"), a longer one as a time of day.
SHORT_WAIT_SECONDS = 90


def _short_wait_message(seconds: int) -> str:
    return ngettext(
        "U heeft te vaak een onjuiste code ingevuld. Wacht nog %(n)d seconde en probeer het "
        "dan opnieuw, met een nieuwe code.",
        "U heeft te vaak een onjuiste code ingevuld. Wacht nog %(n)d seconden en probeer het "
        "dan opnieuw, met een nieuwe code.",
        seconds,
    ) % {"n": seconds}


@dataclass(frozen=True)
class Refusal:
    """Why a device will not check codes now: "throttled" (until a moment) or "locked"."""

    reason: str
    until: datetime | None = None

    @property
    def message(self) -> str:
        if self.until is None:
            return str(REFUSAL_MESSAGES[self.reason])
        seconds = math.ceil((self.until - timezone.now()).total_seconds())
        if seconds < SHORT_WAIT_SECONDS:
            return _short_wait_message(max(seconds, 1))
        moment = timezone.localtime(self.until)
        shown = (
            f"{moment:%H:%M:%S}"
            if moment.date() == timezone.localdate()
            else f"{moment:%d-%m-%Y %H:%M}"
        )
        return REFUSAL_MESSAGES[self.reason] % {"time": shown}


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
    """Check a code on a device; audit each failure, and the failure that locks the device.

    The person is mailed once when their factor locks, after the lock is committed: it may not
    have been them (anyone who knows the password can try codes), and only the helpdesk unlocks.
    """
    outcome = device.check_code(code)
    if outcome is CodeCheck.ACCEPTED:
        return True
    audit.record(
        "device.failed",
        request=request,
        subject=device.user,
        success=False,
        failure_count=device.throttling_failure_count,
        **_device_facts(device),
    )
    if outcome is CodeCheck.LOCKED:
        audit.record("device.locked", request=request, subject=device.user, **_device_facts(device))
        if device.confirmed:  # an app still being set up is no factor yet; its page says so
            transaction.on_commit(lambda: _mail_factor_locked(device))
    return False


def _mail_factor_locked(device: TotpDeviceMixin) -> None:
    """Tell the person; a failing mail server must not undo or hide the lock."""
    person = device.user
    invitation = getattr(person, "invitation", None)
    try:
        emails.send(
            "factor-locked",
            person.email,
            {
                "user": person,
                "device_name": device.name,
                "failures": LOCK_AFTER_FAILURES,
                "reset_url": settings.SITE_URL + reverse("signin:password_reset"),
            },
            language=invitation.language if invitation is not None else None,
        )
    except Exception:
        logger.exception("factor-locked mail to account %s failed", person.pk)
        audit.record("mail.failed", subject=person, success=False, mail="factor-locked")


def device_unlock(device: TotpDeviceMixin, *, request=None) -> None:
    """Let a locked or throttled device check codes again (the helpdesk or an administrator)."""
    device.throttle_reset(commit=False)
    device.save(update_fields=["throttling_failure_count", "throttling_failure_timestamp"])
    audit.record("device.unlocked", request=request, subject=device.user, **_device_facts(device))


def device_remove(
    device: TotpDeviceMixin, *, request=None, last_factor_allowed: bool = False
) -> bool:
    """Take a second factor away (a lost phone or token); an inventory token becomes free.

    The last confirmed factor stays and False is returned, unless the caller is a helpdesk
    reset or an administrator's removal and says so with `last_factor_allowed`. Removing the
    last one ends every session of the account and withdraws its helpdesk verification:
    whoever binds the next factor (the person, or someone who reset the password from their
    mailbox) reaches the helpdesk check before anything else. The account row is locked
    meanwhile, so two removals at once cannot both miss that they took the last factor.
    """
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=device.user_id)
        others = _confirmed_devices(user, excluding=device)
        if device.confirmed and not others and not last_factor_allowed:
            return False
        facts = {**_device_facts(device), "name": device.name}
        device.delete()
        audit.record("device.removed", request=request, subject=user, **facts)
        if device.confirmed and not others:
            _withdraw_verification(user, request=request)
    return True


def devices_remove_on_deactivation(sender, *, user, request=None, **kwargs) -> None:
    """An account deactivated (`accounts.deactivation`): every factor goes, keys included; an
    inventory token becomes free for someone else, without the leaver's UPN from the CSV."""
    for device in devices_for_user(user, confirmed=None):
        if isinstance(device, HardwareTokenDevice):
            HardwareToken.objects.filter(pk=device.hardware_token_id).update(upn="")
        device_remove(device, request=request, last_factor_allowed=True)


class DeviceNameError(ValueError):
    """A name the person cannot give: empty, too long, or one of their other devices has it."""


DEVICE_NAME_MAX_LENGTH = 64  # django-otp's Device.name


def device_rename(device: TotpDeviceMixin, *, name: str, request=None) -> None:
    """Give a factor the name its holder knows it by ("iPhone van Anna"); audited.

    Names are unique per person, so two apps never look alike in Mijn account or at the code
    step, and removing one can never be mistaken for the other.
    """
    name = " ".join(name.split())
    if not name or len(name) > DEVICE_NAME_MAX_LENGTH:
        raise DeviceNameError("length")
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=device.user_id).exists()
        if name in _device_names(device.user, excluding=device):
            raise DeviceNameError("taken")
        old_name = device.name
        if name == old_name:
            return
        type(device).objects.filter(pk=device.pk).update(name=name)
        device.name = name
        audit.record(
            "device.renamed",
            request=request,
            subject=device.user,
            old_name=old_name,
            name=name,
            **_device_facts(device),
        )


def _device_names(user, *, excluding=None) -> set[str]:
    return {
        other.name
        for other in devices_for_user(user, confirmed=None)
        if excluding is None or other.persistent_id != excluding.persistent_id
    }


def _unused_name(user, base: str) -> str:
    """ "Authenticator-app", or "Authenticator-app 2" when the person has one already."""
    taken = _device_names(user)
    number = 1
    while (name := base if number == 1 else f"{base} {number}") in taken:
        number += 1
    return name


def unused_device_name(user, base: str) -> str:
    """A name none of the person's other factors has: `base`, or `base 2`, `base 3` …"""
    return _unused_name(user, base[: DEVICE_NAME_MAX_LENGTH - 4])


def _confirmed_devices(user, *, excluding) -> list:
    return [
        other
        for other in devices_for_user(user, confirmed=True)
        if other.persistent_id != excluding.persistent_id
    ]


def _withdraw_verification(user, *, request) -> None:
    """No confirmed factor left: end every session, and ask for the helpdesk again."""
    user.identity_verified_at = None
    user.security_stamp = new_security_stamp()
    user.save(update_fields=["identity_verified_at", "security_stamp"])
    audit.record(
        "identity.verification_withdrawn", request=request, subject=user, reason="no_factor_left"
    )
    sessions.logins_end_elsewhere(user, reason="factor_reset")


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
            locked=getattr(device, "is_locked", False),  # a passkey has no code to guess
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
    if device is not None:
        device.user = user  # the QR code names the person: no second query for who that is
    else:
        device = AppDevice.objects.create(
            user=user, name=_unused_name(user, gettext("Authenticator-app")), confirmed=False
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


# Hardware tokens


class TokenLinkError(Exception):
    """Why a token could not be linked; `reason` says which, `message` says it to the person.

    An unknown serial, another organisation's token, another person's token and a wrong code
    all get the one "not_linkable" message: the page never tells which serials exist.
    """

    messages = {
        "not_linkable": _(
            "Dit serienummer en deze code horen niet bij een token dat u kunt koppelen. "
            "Controleer het serienummer op de achterkant van het token, druk op het knopje en "
            "vul de nieuwe code in. Is het token net aangeschaft? Upload dan eerst de Azure CSV."
        ),
        "already_yours": _("Dit token is al aan uw account gekoppeld."),
    }

    def __init__(self, reason: str, message: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.message = message or str(self.messages[reason])


# Link attempts are throttled per person and per client address, as passwords are: never on
# the shared token, so nobody can lock a token for its real holder.
def _link_keys(user, request) -> list[str]:
    return [
        throttle.key_for("token-link-account", str(user.pk)),
        throttle.key_for("token-link-client", client_ip(request)),
    ]


def token_link(*, user, serial: str, code: str, request) -> HardwareTokenDevice:
    """Make an inventory token this person's second factor, if they show a valid code from it.

    Only a token of the person's own organisation, and of the person's own address when the
    CSV named one (`upn`). Raises TokenLinkError. The token row is locked while linking and
    the one-to-one field backs that up: of two people linking one token, exactly one succeeds.
    """
    serial = serial.strip()
    keys = _link_keys(user, request)
    _refuse_while_link_throttled(user, keys, request)
    with transaction.atomic():
        device, reason = _token_link_locked(user, serial, code)
    if device is None:
        _link_failed(user, serial, reason, keys, request)
    throttle.reset(keys[0])
    audit.record("token.linked", request=request, subject=user, serial=serial)
    return device


def _refuse_while_link_throttled(user, keys, request) -> None:
    """Refuse while a key waits; the trail gets the 1st, 10th, 100th … refusal, not each one."""
    wait = throttle.seconds_to_wait(keys)
    if not wait:
        return
    audit.record_refusal("token.link_throttled", keys=keys, request=request, subject=user)
    raise TokenLinkError("throttled", throttle.wait_message(wait))


def _link_failed(user, serial, reason, keys, request):
    """Count the failure against the person and the client; say only "not linkable"."""
    if reason != "already_yours":
        throttle.record_failure(keys[0], throttle.ACCOUNT)
        throttle.record_failure(keys[1], throttle.CLIENT)
    audit.record(
        "token.link_failed",
        request=request,
        subject=user,
        success=False,
        reason=reason,
        serial=serial[:64],
    )
    raise TokenLinkError("already_yours" if reason == "already_yours" else "not_linkable")


def _token_link_locked(user, serial, code) -> tuple[HardwareTokenDevice | None, str]:
    """The new device, or None and the reason (for the audit trail only)."""
    if user.organisation_id is None:
        return None, "no_organisation"
    token = (
        HardwareToken.objects.select_for_update()
        .filter(serial=serial, organisation_id=user.organisation_id)
        .first()
    )
    if token is None:
        return None, "unknown_serial"
    if token.upn and normalize_email(token.upn) != user.email:
        return None, "other_upn"
    holder = HardwareTokenDevice.objects.filter(hardware_token=token).values("user_id").first()
    if holder is not None:
        return None, "already_yours" if holder["user_id"] == user.pk else "already_linked"
    device = HardwareTokenDevice(
        user=user, hardware_token=token, name=f"Token {serial}"[:64], confirmed=True
    )
    step = device._matching_step(normalize_code(code))
    if step is None:
        return None, "invalid_code"
    device.last_t = step  # the code that linked it cannot log in a second time
    device.set_last_used_timestamp(commit=False)
    try:
        with transaction.atomic():
            device.save()
    except IntegrityError:
        return None, "already_linked"
    discard_unfinished(user)
    return device, ""


# Azure CSV import

_IMPORT_RACE_MESSAGE = _(
    "Een of meer serienummers uit dit bestand zijn zojuist door iemand anders geïmporteerd. "
    "Er is niets toegevoegd; upload het bestand opnieuw om te zien welke regels het betreft."
)


_NO_ORGANISATION_MESSAGE = _(
    "Uw account hoort niet bij een organisatie, dus tokens kunnen niet aan u worden "
    "toegewezen. Vraag de servicedesk de tokens te importeren."
)
_UPLOADS_PER_DAY_MESSAGE = _(
    "U heeft vandaag al het maximale aantal bestanden geüpload. Probeer het over %(wait)s "
    "opnieuw, of vraag de servicedesk de tokens te importeren."
)
_TOKENS_PER_DAY_MESSAGE = _(
    "U kunt hoogstens %(limit)d tokens per dag uploaden; u uploadde er vandaag al %(count)d en "
    "dit bestand heeft er %(rows)d. Er is niets toegevoegd. Vraag de servicedesk grotere "
    "aantallen te importeren."
)
PERSON_SOURCES = (AzureCsvImport.Source.REGISTRATION, AzureCsvImport.Source.MYACCOUNT)


def _person_uploads_policy() -> throttle.Policy:
    """Every upload a person tries counts, accepted or not: a day's worth, then a day's wait."""
    day = timedelta(days=1)
    return throttle.Policy(
        free=settings.AZURE_CSV_USER_UPLOADS_PER_DAY, first_wait=day, cap=day, window=day
    )


def _serials_in(organisation, *, linked_only: bool):
    """The `known_serials` check for one organisation: serials its inventory already holds
    (with `linked_only`, only those someone has linked), in a few queries per batch."""

    def known(serials: set[str]) -> set[str]:
        ordered, found = sorted(serials), set()
        for start in range(0, len(ordered), KNOWN_SERIALS_BATCH):
            tokens = HardwareToken.objects.filter(
                organisation=organisation, serial__in=ordered[start : start + KNOWN_SERIALS_BATCH]
            )
            if linked_only:
                tokens = tokens.filter(device__isnull=False)
            found.update(tokens.values_list("serial", flat=True))
        return found

    return known


def _refuse(message) -> AzureCsvError:
    return AzureCsvError([CsvProblem(None, str(message))])


def _check_person_may_upload(user) -> None:
    """A person uploads for their own organisation only, a bounded number of files a day."""
    if user.organisation_id is None:
        raise _refuse(_NO_ORGANISATION_MESSAGE)
    key = throttle.key_for("csv-upload-account", str(user.pk))
    wait = throttle.seconds_to_wait([key])
    if wait:
        hours = max(1, round(wait / 3600))
        shown = ngettext("%(n)d uur", "%(n)d uur", hours) % {"n": hours}
        raise _refuse(_UPLOADS_PER_DAY_MESSAGE % {"wait": shown})
    throttle.record_failure(key, _person_uploads_policy())


def _check_tokens_per_day_locked(user, rows: int) -> None:
    """Within the account's row lock, so two uploads at once cannot both fit the day's limit."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
    count = HardwareToken.objects.filter(
        imported_by=user,
        csv_import__source__in=PERSON_SOURCES,
        created_at__gt=timezone.now() - timedelta(days=1),
    ).count()
    limit = settings.AZURE_CSV_USER_TOKENS_PER_DAY
    if count + rows > limit:
        raise _refuse(_TOKENS_PER_DAY_MESSAGE % {"limit": limit, "count": count, "rows": rows})


def _take_over(serials: list[str], organisation, *, imported_by, request) -> None:
    """An administrator's batch replaces unlinked copies of its serials (a squatter's upload,
    or a token imported before tokens had an organisation), audited with the serials."""
    copies = HardwareToken.objects.filter(
        Q(organisation=organisation) | Q(organisation__isnull=True),
        serial__in=serials,
        device__isnull=True,
    )
    taken = sorted(copies.values_list("serial", flat=True))
    if taken:
        copies.delete()
        audit.record(
            "token.taken_over",
            request=request,
            actor=imported_by,
            organisation=organisation.name,
            token_count=len(taken),
            serials=taken[:100],
        )


@sensitive_variables("data", "rows")
def tokens_import_azure_csv(
    *,
    data: bytes,
    filename: str,
    imported_by,
    organisation,
    source: str,
    max_rows: int,
    max_bytes: int,
    take_over: bool = False,
    request=None,
) -> AzureCsvImport:
    """Add every token of an Azure CSV to an organisation's inventory, or none (raises
    AzureCsvError).

    A serial the organisation already holds is reported, never overwritten, unless an
    administrator asks to `take_over` the unlinked ones; another import adding the same serial
    at the same moment makes this one fail as a whole. A person (PERSON_SOURCES) uploads for
    their own organisation, AZURE_CSV_USER_UPLOADS_PER_DAY files and
    AZURE_CSV_USER_TOKENS_PER_DAY tokens a day at most.
    """
    filename = filename[:255]
    by_person = source in PERSON_SOURCES
    try:
        if by_person:
            _check_person_may_upload(imported_by)
        with transaction.atomic():
            known = _serials_in(organisation, linked_only=take_over)
            rows = parse_azure_csv(
                data, max_rows=max_rows, max_bytes=max_bytes, known_serials=known
            )
            if by_person:
                _check_tokens_per_day_locked(imported_by, len(rows))
            if take_over:
                serials = [row.serial for row in rows]
                _take_over(serials, organisation, imported_by=imported_by, request=request)
            csv_import = AzureCsvImport.objects.create(
                imported_by=imported_by, filename=filename, source=source, token_count=len(rows)
            )
            HardwareToken.objects.bulk_create(
                _inventory_tokens(rows, csv_import, imported_by, organisation)
            )
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
        organisation=organisation.name,
        token_count=csv_import.token_count,
        csv_import=csv_import.pk,
    )
    return csv_import


@sensitive_variables("rows")
def _inventory_tokens(
    rows: Iterable, csv_import: AzureCsvImport, imported_by, organisation
) -> list[HardwareToken]:
    return [
        HardwareToken(
            serial=row.serial,
            organisation=organisation,
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
