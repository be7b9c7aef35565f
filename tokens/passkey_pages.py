"""The pages of a passkey or security key (issue 16): "Beveiligingssleutel instellen" and the
login's "Inloggen met uw beveiligingssleutel".

Like `tokens.pages`, a flow's view decides who may open them and what follows (`bound`,
`accepted`); these pages run the WebAuthn ceremony in one form (static/js/webauthn.js).
"""

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.passwords import LoginRefused

from . import webauthn
from .services import DEVICE_NAME_MAX_LENGTH

NOT_PASSED = _("Uw browser heeft geen antwoord van een sleutel doorgegeven. Probeer het opnieuw.")


class PasskeySetupForm(forms.Form):
    name = forms.CharField(
        label=_("Naam van uw sleutel"),
        help_text=_("Zo herkent u hem later, bijvoorbeeld “YubiKey blauw” of “Laptop werk”."),
        max_length=DEVICE_NAME_MAX_LENGTH - 4,
        required=False,
        initial=webauthn.DEFAULT_NAME,
        widget=forms.TextInput(attrs={"aria-describedby": "id_name-hint"}),  # read with it
    )
    credential = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20_000)


class PasskeyLoginForm(forms.Form):
    credential = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20_000)


def require_enabled() -> None:
    if not webauthn.passkeys_enabled():
        raise Http404


def passkey_setup_page(request, *, bound):
    """Explain, let the person name the key, register it (user verification required).
    Not there for a person whose organisation does not allow passkeys (issue 16)."""
    if not webauthn.passkeys_allowed(request.user):
        raise Http404
    form = PasskeySetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["credential"]:
            form.add_error(None, NOT_PASSED)
        else:
            try:
                device = webauthn.registration_complete(
                    request,
                    credential_json=form.cleaned_data["credential"],
                    name=form.cleaned_data["name"],
                )
            except webauthn.WebAuthnRefused as refused:
                form.add_error(None, refused.message)
            else:
                return bound(device)
    context = {"form": form, "options": webauthn.registration_options(request)}
    return render(request, "tokens/passkey_setup.html", context)


def passkey_login_page(
    request, *, accepted, other_factors, template="tokens/passkey_login.html", context=None
):
    """Ask the person's key; `accepted(device)` when it answered for this session's challenge.
    `other_factors()` says whether to link to the code step (asked only when the page shows);
    a flow with a page of its own names its `template` and what it adds to the `context`."""
    require_enabled()
    form = PasskeyLoginForm(request.POST or None)
    if request.method == "POST":
        device = answered_key(request, form, webauthn.authentication_check)
        if device is not None:
            return accepted(device)
    context = {
        **(context or {}),
        "form": form,
        "options": webauthn.authentication_options(request),
        "other_factors": other_factors(),
    }
    return render(request, template, context)


def answered_key(request, form: PasskeyLoginForm, check):
    """The key whose answer the posted form carries, accepted by `check` (one of
    `tokens.webauthn`'s); or None, the reason added to the form."""
    if not form.is_valid():
        return None
    if not form.cleaned_data["credential"]:
        form.add_error(None, NOT_PASSED)
        return None
    try:
        return check(request, credential_json=form.cleaned_data["credential"])
    except LoginRefused as refused:
        form.add_error(None, refused.message)
        return None
