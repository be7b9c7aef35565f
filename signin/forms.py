"""The sign-in forms: e-mail and password, and the address for "Wachtwoord vergeten?"."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import current_password_field


class LoginForm(forms.Form):
    """ "Inloggen op ZorgPortaal": e-mail address and password (manual 2.8)."""

    email = forms.CharField(
        label=_("Vul uw gebruikersnaam of e-mailadres in"),
        max_length=254,
        # "webauthn": the browser may offer the site's passkeys here (conditional UI, issue 16)
        widget=forms.EmailInput(attrs={"autocomplete": "username webauthn", "autofocus": True}),
    )
    password = current_password_field(_("Vul uw wachtwoord in"))


class ResetRequestForm(forms.Form):
    """ "Wachtwoord vergeten?": the address only. The view queues the mail
    (accounts/password_reset.py);
    a plain form, so nothing can send Django's own reset mail in the request."""

    email = forms.EmailField(
        label=_("Vul uw e-mailadres in"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
