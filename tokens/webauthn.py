"""Passkeys and FIDO2 security keys as a second factor (issue 16), behind `PASSKEYS_ENABLED`.

The device is django-otp-webauthn's `WebAuthnCredential` (a django-otp device in its own app,
so `devices_for_user` and `journey.current_stage` count it like an app or a token); the
cryptography is py_webauthn's, through the library's `WebAuthnHelper`. The ceremonies are run
by our own pages (registration's set-up page, signin's key step), not by the library's JSON
views: those log a person in without our session rotation, login record, audit and throttles,
so their URLs are not mounted at all and nothing can skip the journey through them.

A ceremony is two requests: the page's GET makes the options (a fresh challenge, kept in the
session with its time), the form's POST takes that challenge out of the session (single use,
even when the answer is wrong) and checks the answer against it, the relying-party ID and the
origin (both from `SITE_URL`), with user verification required (a PIN or biometric on the key).
"""

import json
import time
import uuid
from urllib.parse import urlsplit

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp_webauthn import exceptions as library_errors
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential, WebAuthnUserHandle
from webauthn import verify_authentication_response
from webauthn.helpers import (
    base64url_to_bytes,
    parse_attestation_object,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from accounts.passwords import LoginRefused, count_failure, refuse_while_throttled, throttle_keys
from zorgportaal import audit, throttle

from . import services

REGISTER_STATE_KEY = "webauthn_register"
AUTHENTICATE_STATE_KEY = "webauthn_authenticate"
PASSWORDLESS_STATE_KEY = "webauthn_passwordless"
DEFAULT_NAME = _("Beveiligingssleutel")

NOT_ACCEPTED = _(
    "Uw beveiligingssleutel of passkey is niet geaccepteerd. Probeer het opnieuw, of gebruik "
    "een andere sleutel die bij uw account hoort."
)
EXPIRED = _("Dat duurde te lang. Probeer het opnieuw.")
NOT_ALLOWED = _("Uw organisatie staat passkeys en beveiligingssleutels niet toe.")
KEY_NOT_ALLOWED = _(
    "Uw organisatie staat dit type beveiligingssleutel niet toe. Gebruik een sleutel die uw "
    "organisatie heeft uitgegeven, of kies de app of de token."
)

# The certificate extension in which a key's maker states its AAGUID (id-fido-gen-ce-aaguid).
AAGUID_EXTENSION = x509.ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4")


def passkeys_enabled() -> bool:
    return bool(getattr(settings, "PASSKEYS_ENABLED", False))


def relying_party_id() -> str:
    """The host of SITE_URL: keys are bound to it (and so cannot be used on a look-alike)."""
    return urlsplit(settings.SITE_URL).hostname or ""


def organisation_of(user):
    if user is None or not user.is_authenticated:
        return None
    return user.organisation


def passkeys_allowed(user) -> bool:
    """Whether this person may set up a passkey or key: PASSKEYS_ENABLED, and their
    organisation's policy (a person without an organisation follows the platform)."""
    organisation = organisation_of(user)
    return passkeys_enabled() and (organisation is None or organisation.passkeys_allowed)


def allowed_aaguids(user) -> frozenset[str]:
    """The organisation's allow-list of key types; empty when any key counts."""
    organisation = organisation_of(user)
    return frozenset() if organisation is None else organisation.allowed_aaguids()


def expected_origin() -> str:
    parts = urlsplit(settings.SITE_URL)
    return f"{parts.scheme}://{parts.netloc}"


class Helper(WebAuthnHelper):
    """The library's helper with our relying party and user verification always required."""

    def get_relying_party_domain(self) -> str:
        return relying_party_id()

    def get_relying_party_name(self) -> str:
        return settings.SITE_NAME

    def get_allowed_origins(self) -> list[str]:
        return [expected_origin()]

    def get_discoverable_credentials_preference(self) -> ResidentKeyRequirement:
        return ResidentKeyRequirement.PREFERRED

    def get_generate_registration_options_kwargs(self, *, user) -> dict:
        options = super().get_generate_registration_options_kwargs(user=user)
        options["authenticator_selection"].user_verification = UserVerificationRequirement.REQUIRED
        return options

    def get_generate_authentication_options_kwargs(self, *, user=None, **kwargs) -> dict:
        return super().get_generate_authentication_options_kwargs(
            user=user, require_user_verification=True
        )

    def get_attestation_conveyance_preference(self) -> AttestationConveyancePreference:
        """Ask for "direct" when the organisation allows only listed key types (the maker's
        certificate shows the type); otherwise "none": no browser asks to reveal the make."""
        if allowed_aaguids(self.request.user):
            return AttestationConveyancePreference.DIRECT
        return super().get_attestation_conveyance_preference()

    def authenticate_complete(self, user, state: dict, data: dict):
        """The library's, with the signature checked by `verify`."""
        credential = parse_authentication_credential_json(data)
        try:
            device = WebAuthnCredential.get_by_credential_id(credential.raw_id)
        except WebAuthnCredential.DoesNotExist:
            raise library_errors.CredentialNotFound() from None
        if user and device.user_id != user.pk:
            raise library_errors.CredentialUserMismatch() from None
        return self.verify(device, credential, state)

    def verify(self, device, credential, state: dict):
        """Check the signature for this challenge, relying party and origin, then the sign
        counter: py_webauthn compares the counter first, so a counter going backwards could not
        be told from a forged answer; here it is proof that another copy of the key signed."""
        response = verify_authentication_response(
            credential=credential,
            credential_current_sign_count=0,  # compared below, once the signature holds
            credential_public_key=device.public_key,
            expected_challenge=base64url_to_bytes(state["challenge"]),
            expected_rp_id=self.get_relying_party_domain(),
            expected_origin=self.get_allowed_origins(),
            require_user_verification=state["require_user_verification"],
        )
        stored, presented = device.sign_count, response.new_sign_count
        if (presented > 0 or stored > 0) and presented <= stored:
            raise CounterRegressed(device, stored=stored, presented=presented)
        device.sign_count = presented
        device.backup_state = response.credential_backed_up
        device.set_last_used_timestamp(commit=False)
        device.save(update_fields=["sign_count", "last_used_at", "backup_state"])
        return device


class WebAuthnRefused(Exception):
    """The answer from the key was not accepted; `reason` for the trail, `message` for the page."""

    def __init__(self, reason: str, message=NOT_ACCEPTED, **details):
        super().__init__(reason)
        self.reason = reason
        self.message = str(message)
        self.details = details  # facts for the audit trail, never secrets


class CounterRegressed(WebAuthnRefused):
    """A key signed correctly with a counter at or below the one it gave before: a clone."""

    def __init__(self, device, *, stored: int, presented: int):
        super().__init__("counter_regressed", stored_count=stored, presented_count=presented)
        self.device = device


def user_credentials(user):
    """A person's confirmed passkeys and keys, most recently used first."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("-pk")


def is_webauthn(device) -> bool:
    return isinstance(device, WebAuthnCredential)


# RFC 8176 for a key: proof of possession of a hardware-protected key, its user verified on it.
AUTHENTICATION_METHODS = ("hwk", "user")


def authentication_methods(device) -> tuple[str, ...]:
    """The `amr` values of a second factor: a key's, or those its device class declares."""
    return AUTHENTICATION_METHODS if is_webauthn(device) else device.authentication_methods


def login_methods(device, *, password: bool) -> list[str]:
    """The `amr` of a whole login: the password if given, the device's, and "mfa" (a passkey
    alone is two factors too: the key, and the PIN or biometric it verified)."""
    return [*(["pwd"] if password else []), *authentication_methods(device), "mfa"]


def _begin(request, key: str, options: dict, state: dict) -> dict:
    request.session[key] = {**state, "at": time.time()}
    return options


def _take_state(request, key: str) -> dict:
    """The challenge of this session's ceremony, taken out: it never answers twice."""
    state = request.session.pop(key, None)
    if not state:
        raise WebAuthnRefused("no_challenge", EXPIRED)
    if time.time() - state.get("at", 0) > settings.OTP_WEBAUTHN_TIMEOUT_SECONDS:
        raise WebAuthnRefused("challenge_expired", EXPIRED)
    return state


def _answer(credential_json: str) -> dict:
    try:
        data = json.loads(credential_json)
    except (TypeError, ValueError):
        raise WebAuthnRefused("malformed") from None
    if not isinstance(data, dict):
        raise WebAuthnRefused("malformed")
    return data


# Registration (registration's "Beveiligingssleutel instellen"; Mijn account later)


def registration_options(request) -> dict:
    """The options for `navigator.credentials.create` (JSON-ready); the challenge kept."""
    options, state = Helper(request).register_begin(user=request.user)
    return _begin(request, REGISTER_STATE_KEY, options, state)


def registration_complete(request, *, credential_json: str, name: str) -> WebAuthnCredential:
    """Check the new key's answer and keep it as a confirmed factor under the person's name
    for it ("Beveiligingssleutel 2" when that name is taken); audited, failures too."""
    user = request.user
    try:
        state = _take_state(request, REGISTER_STATE_KEY)
        if not passkeys_allowed(user):
            raise WebAuthnRefused("not_allowed", NOT_ALLOWED)
        data = _answer(credential_json)
        with transaction.atomic():
            device = Helper(request).register_complete(user=user, state=state, data=data)
            _check_allow_list(user, data)  # after the library's checks; refused: rolled back
            device.name = services.unused_device_name(user, " ".join(name.split()) or DEFAULT_NAME)
            device.save(update_fields=["name"])
    except WebAuthnRefused as refused:
        _failed(request, "registration", refused.reason, subject=user, **refused.details)
        raise
    except (WebAuthnException, library_errors.OTPWebAuthnApiError, KeyError, ValueError) as exc:
        _failed(request, "registration", type(exc).__name__, subject=user)
        raise WebAuthnRefused(type(exc).__name__) from None
    audit.record(
        "webauthn.registered",
        request=request,
        subject=user,
        device=device.persistent_id,
        name=device.name,
        aaguid=device.aaguid,
        discoverable=device.discoverable,
    )
    return device


# Authentication: the key as the second step of a login


def authentication_options(request) -> dict:
    """The options for `navigator.credentials.get`, naming only this person's keys."""
    options, state = Helper(request).authenticate_begin(
        user=request.user, require_user_verification=True
    )
    return _begin(request, AUTHENTICATE_STATE_KEY, options, state)


def authentication_check(request, *, credential_json: str) -> WebAuthnCredential:
    """The key's answer for the challenge of this session, from one of this person's keys,
    throttled per account and client together with the one-time codes; or LoginRefused."""
    user = request.user
    keys = throttle_keys(request, "code", str(user.pk))
    refuse_while_throttled(request, keys, factor="webauthn", subject=user)
    try:
        state = _take_state(request, AUTHENTICATE_STATE_KEY)
        data = _answer(credential_json)
        device = Helper(request).authenticate_complete(user=user, state=state, data=data)
        if not device.confirmed:
            raise WebAuthnRefused("not_confirmed")
    except (WebAuthnRefused, WebAuthnException, library_errors.OTPWebAuthnApiError) as exc:
        reason = exc.reason if isinstance(exc, WebAuthnRefused) else type(exc).__name__
        message = exc.message if isinstance(exc, WebAuthnRefused) else str(NOT_ACCEPTED)
        count_failure(keys)
        if isinstance(exc, CounterRegressed):
            _counter_regressed(request, exc, subject=user)
        _failed(request, "authentication", reason, subject=user)
        raise LoginRefused(message, reason=reason) from None
    except (KeyError, ValueError, TypeError):
        count_failure(keys)
        _failed(request, "authentication", "malformed", subject=user)
        raise LoginRefused(str(NOT_ACCEPTED), reason="malformed") from None
    throttle.reset(keys[0])
    audit.record(
        "webauthn.used",
        request=request,
        subject=user,
        device=device.persistent_id,
        name=device.name,
    )
    return device


# Authentication: a passkey alone, on the login page ("Inloggen met passkey")


def passwordless_options(request) -> dict:
    """The options for `navigator.credentials.get` naming no one: the browser offers the
    passkeys it holds for this site (also as autofill). User verification required."""
    options, state = Helper(request).authenticate_begin(user=None, require_user_verification=True)
    return _begin(request, PASSWORDLESS_STATE_KEY, options, state)


def passwordless_check(request, *, credential_json: str) -> WebAuthnCredential:
    """A passkey's answer for this session's challenge, in place of password and code.

    Throttled per client before anything is looked up, then per account with the codes (the
    answer names its key, so its owner's waits apply); the answer's user handle must be its
    owner's. Every refusal says the same, whether or not the key is known; LoginRefused."""
    client_key = throttle_keys(request, "code", "")[1]
    refuse_while_throttled(request, [client_key], factor="passkey")
    device = None
    try:
        state = _take_state(request, PASSWORDLESS_STATE_KEY)
        credential = parse_authentication_credential_json(_answer(credential_json))
        device = _owned_device(credential)
        refuse_while_throttled(
            request, _passwordless_keys(request, device), factor="passkey", subject=device.user
        )
        Helper(request).verify(device, credential, state)
    except (WebAuthnRefused, WebAuthnException) as exc:
        reason = exc.reason if isinstance(exc, WebAuthnRefused) else type(exc).__name__
        _passwordless_refuse(request, device, reason, exc)
    except (KeyError, ValueError, TypeError) as exc:
        _passwordless_refuse(request, device, "malformed", exc)
    throttle.reset(_passwordless_keys(request, device)[0])
    audit.record(
        "webauthn.used",
        request=request,
        subject=device.user,
        device=device.persistent_id,
        name=device.name,
        passwordless=True,
    )
    return device


def _passwordless_keys(request, device) -> tuple[str, str]:
    return throttle_keys(request, "code", str(device.user_id))


def _owned_device(credential) -> WebAuthnCredential:
    """The confirmed key the answer names, of an active person whose user handle it carries."""
    try:
        device = WebAuthnCredential.objects.select_related("user").get(
            credential_id_sha256=WebAuthnCredential.get_credential_id_sha256(credential.raw_id),
            confirmed=True,
        )
    except WebAuthnCredential.DoesNotExist:
        raise WebAuthnRefused("unknown_credential") from None
    handle = credential.response.user_handle
    if (
        handle is not None
        and not WebAuthnUserHandle.objects.filter(
            user_id=device.user_id, handle_hex=handle.hex()
        ).exists()
    ):
        raise WebAuthnRefused("user_handle_mismatch")
    if not device.user.is_active:
        raise WebAuthnRefused("inactive")
    return device


def _passwordless_refuse(request, device, reason: str, exc: Exception):
    """Count the failure for the client, and for the key's owner once the key is known; audit
    it (a clone's counter too); refuse, saying the same whoever's key it was."""
    if device is None:
        throttle.record_failure(throttle_keys(request, "code", "")[1], throttle.CLIENT)
        _failed(request, "passwordless", reason, subject=None)
    else:
        count_failure(_passwordless_keys(request, device))
        if isinstance(exc, CounterRegressed):
            _counter_regressed(request, exc, subject=device.user)
        _failed(request, "passwordless", reason, subject=device.user)
    message = exc.message if isinstance(exc, WebAuthnRefused) else str(NOT_ACCEPTED)
    raise LoginRefused(message, reason=reason) from None


def _check_allow_list(user, data: dict) -> None:
    """With an allow-list, only a key whose maker's certificate signed its attestation counts,
    and only when its AAGUID (its type) is on the list. A passkey without attestation ("none",
    or signed by itself) cannot show its type, so it does not count.

    The certificate is checked as the attestation's signer (py_webauthn) and, when it names an
    AAGUID, against the one in the key's data; it is not chained to the makers' roots (the FIDO
    Metadata Service): an allow-list keeps out keys of other types that people buy themselves,
    not an attacker who builds a fake authenticator with a self-made certificate."""
    allowed = allowed_aaguids(user)
    if not allowed:
        return
    attestation = parse_attestation_object(
        parse_registration_credential_json(data).response.attestation_object
    )
    aaguid = str(uuid.UUID(bytes=attestation.auth_data.attested_credential_data.aaguid))
    certificates = attestation.att_stmt.x5c or []
    fmt = str(getattr(attestation.fmt, "value", attestation.fmt))
    if not certificates:
        raise WebAuthnRefused("not_attested", KEY_NOT_ALLOWED, aaguid=aaguid, fmt=fmt)
    if _certified_aaguid(certificates[0]) not in (None, aaguid):
        raise WebAuthnRefused("aaguid_mismatch", KEY_NOT_ALLOWED, aaguid=aaguid, fmt=fmt)
    if aaguid not in allowed:
        raise WebAuthnRefused("aaguid_not_allowed", KEY_NOT_ALLOWED, aaguid=aaguid, fmt=fmt)


def _certified_aaguid(certificate_der: bytes) -> str | None:
    """The AAGUID the maker's certificate names (an OCTET STRING of 16 bytes), if any."""
    certificate = x509.load_der_x509_certificate(certificate_der)
    try:
        value = certificate.extensions.get_extension_for_oid(AAGUID_EXTENSION).value.value
    except x509.ExtensionNotFound:
        return None
    if len(value) == 18 and value[:2] == b"\x04\x10":
        return str(uuid.UUID(bytes=value[2:]))
    return "malformed"


def _counter_regressed(request, refused: CounterRegressed, *, subject) -> None:
    """Its own event beside `webauthn.failed`: which key, and the counts (never key material)."""
    audit.record(
        "webauthn.counter_regressed",
        request=request,
        subject=subject,
        success=False,
        device=refused.device.persistent_id,
        name=refused.device.name,
        aaguid=refused.device.aaguid,
        **refused.details,
    )


def _failed(request, ceremony: str, reason: str, *, subject, **details) -> None:
    audit.record(
        "webauthn.failed",
        request=request,
        subject=subject,
        success=False,
        ceremony=ceremony,
        reason=reason,
        **details,
    )
