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
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp_webauthn import exceptions as library_errors
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import ResidentKeyRequirement, UserVerificationRequirement

from accounts.passwords import LoginRefused, count_failure, refuse_while_throttled, throttle_keys
from zorgportaal import audit, throttle

from . import services

REGISTER_STATE_KEY = "webauthn_register"
AUTHENTICATE_STATE_KEY = "webauthn_authenticate"
DEFAULT_NAME = _("Beveiligingssleutel")

NOT_ACCEPTED = _(
    "Uw beveiligingssleutel of passkey is niet geaccepteerd. Probeer het opnieuw, of gebruik "
    "een andere sleutel die bij uw account hoort."
)
EXPIRED = _("Dat duurde te lang. Probeer het opnieuw.")


def passkeys_enabled() -> bool:
    return bool(getattr(settings, "PASSKEYS_ENABLED", False))


def relying_party_id() -> str:
    """The host of SITE_URL: keys are bound to it (and so cannot be used on a look-alike)."""
    return urlsplit(settings.SITE_URL).hostname or ""


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


class WebAuthnRefused(Exception):
    """The answer from the key was not accepted; `reason` for the trail, `message` for the page."""

    def __init__(self, reason: str, message=NOT_ACCEPTED):
        super().__init__(reason)
        self.reason = reason
        self.message = str(message)


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
        data = _answer(credential_json)
        with transaction.atomic():
            device = Helper(request).register_complete(user=user, state=state, data=data)
            device.name = services.unused_device_name(user, " ".join(name.split()) or DEFAULT_NAME)
            device.save(update_fields=["name"])
    except WebAuthnRefused as refused:
        _failed(request, "registration", refused.reason)
        raise
    except (WebAuthnException, library_errors.OTPWebAuthnApiError, KeyError, ValueError) as exc:
        _failed(request, "registration", type(exc).__name__)
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
        _failed(request, "authentication", reason)
        raise LoginRefused(message, reason=reason) from None
    except (KeyError, ValueError, TypeError):
        count_failure(keys)
        _failed(request, "authentication", "malformed")
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


def _failed(request, ceremony: str, reason: str) -> None:
    audit.record(
        "webauthn.failed",
        request=request,
        subject=request.user,
        success=False,
        ceremony=ceremony,
        reason=reason,
    )
