"""Checking a person's one-time code (app or token) under limits, for a login or a step-up.

Through django-otp's device API (`verify_is_allowed`, `verify_token`, via `tokens.services`),
throttled per account and per client like the password (`accounts.passwords`).
"""

from django.utils.translation import gettext_lazy as _

from accounts.passwords import LoginRefused, count_failure, refuse_while_throttled, throttle_keys
from zorgportaal import audit, throttle
from zorgportaal.sessions import methods_add
from zorgportaal.stepup import mark_fresh

from . import services, webauthn

WRONG_CODE = _(
    "Deze code klopt niet of is al gebruikt. Wacht op een nieuwe code en probeer het opnieuw."
)


def one_time_code_check(request, *, device, code: str) -> None:
    """A current code of this person's device, throttled per account and client, or refused."""
    user = request.user
    keys = throttle_keys(request, "code", str(user.pk))
    refuse_while_throttled(request, keys, factor="code", subject=user)
    refusal = services.device_refusal(device)
    if refusal:
        raise LoginRefused(refusal.message)
    if not services.device_verify(device, code, request=request):
        count_failure(keys)
        audit.record(
            "login.failed",
            request=request,
            success=False,
            subject=user,
            factor="code",
            device=device.persistent_id,
        )
        raise LoginRefused(WRONG_CODE)
    throttle.reset(keys[0])


def step_up_confirm(request, *, device, code: str) -> None:
    """Step-up inside the portal: a current code makes the next minutes "fresh"."""
    one_time_code_check(request, device=device, code=code)
    mark_fresh(request)
    audit.record("stepup.succeeded", request=request, subject=request.user)


def step_up_key_confirm(request, *, credential_json: str):
    """Step-up with the person's passkey or security key (issue 16): its answer for this
    session's challenge (`webauthn.authentication_check`, throttled with the codes); or
    LoginRefused. The key."""
    device = webauthn.authentication_check(request, credential_json=credential_json)
    key_proven(request, device)
    return device


def key_proven(request, device) -> None:
    """A key answered inside a login: the next minutes are "fresh", for a person whose only
    factor may be a key, and the login names the key from now on (its `amr`, and so the
    phishing-resistant level a service may ask for, `sso.assurance`)."""
    mark_fresh(request)
    methods_add(request, list(webauthn.authentication_methods(device)))
    audit.record(
        "stepup.succeeded",
        request=request,
        subject=request.user,
        factor="webauthn",
        device=device.persistent_id,
    )
