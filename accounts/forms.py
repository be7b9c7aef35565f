from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .models import Organisation, Role, User
from .validators import normalize_password


class SetPasswordForm(forms.Form):
    """Choose a password (SPEC 2). The e-mail address comes from the invitation, not the form."""

    error_messages = {
        "password_mismatch": _(
            "De twee wachtwoorden zijn niet gelijk. Vul twee keer hetzelfde in."
        ),
    }

    password1 = forms.CharField(
        label=_("Vul een wachtwoord in"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
    )
    password2 = forms.CharField(
        label=_("Vul het wachtwoord ter controle nogmaals in"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password1(self):
        password = normalize_password(self.cleaned_data["password1"])
        password_validation.validate_password(password, User(email=self.email))
        return password

    def clean(self):
        cleaned = super().clean()
        first = cleaned.get("password1")
        second = self.cleaned_data.get("password2")
        if first and second is not None and first != normalize_password(second):
            self.add_error(
                "password2",
                forms.ValidationError(
                    self.error_messages["password_mismatch"], code="password_mismatch"
                ),
            )
        return cleaned


class InviteForm(forms.Form):
    """The servicedesk's invitation form in the admin: one address or a pasted list."""

    addresses = forms.CharField(
        label=_("E-mailadressen"),
        widget=forms.Textarea(attrs={"rows": 10, "cols": 60}),
        help_text=_(
            "Eén adres per regel (of gescheiden door komma's). Elk adres krijgt een eigen "
            "uitnodiging; ongeldige, dubbele en al bekende adressen worden gemeld."
        ),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.all()
    )
    role = forms.ModelChoiceField(label=_("Rol"), queryset=Role.objects.all())
    language = forms.ChoiceField(
        label=_("Taal van de mail"),
        choices=[("nl", _("Nederlands")), ("en", _("English"))],
        initial="nl",
    )
