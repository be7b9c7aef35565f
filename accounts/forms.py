from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tokens.forms import CodeField
from zorgportaal import emails

from .models import Organisation, Role, User, normalize_email
from .validators import MAX_PASSWORD_LENGTH, normalize_password


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


class LoginForm(forms.Form):
    """ "Inloggen op ZorgPortaal": e-mail address and password (manual 2.8)."""

    email = forms.CharField(
        label=_("Vul uw gebruikersnaam of e-mailadres in"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Vul uw wachtwoord in"),
        strip=False,
        max_length=MAX_PASSWORD_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_password(self):
        return normalize_password(self.cleaned_data["password"])


class LoginCodeForm(forms.Form):
    """The one-time code, and a choice of device when a person has more than one."""

    device = forms.ChoiceField(label=_("Authenticatiemiddel"), widget=forms.RadioSelect)
    code = CodeField(
        label=_("Code"),
        error_messages={"invalid": _("Vul de 6 cijfers in die uw app of token nu laat zien.")},
    )

    def __init__(self, *args, devices, **kwargs):
        super().__init__(*args, **kwargs)
        self.devices = {device.persistent_id: device for device in devices}
        self.fields["device"].choices = [(pid, d.name) for pid, d in self.devices.items()]
        self.fields["device"].initial = next(iter(self.devices), None)
        self.fields["code"].widget.attrs["autofocus"] = True
        if len(self.devices) < 2:
            self.fields["device"].widget = forms.HiddenInput()

    def clean_device(self):
        return self.devices[self.cleaned_data["device"]]


class ResetRequestForm(PasswordResetForm):
    """ "Wachtwoord vergeten?": the same answer whether or not the address has an account."""

    email = forms.EmailField(
        label=_("Vul uw e-mailadres in"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )

    def get_users(self, email):
        return User.objects.filter(email=normalize_email(email), is_active=True)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        emails.send(
            "password-reset",
            context["email"],
            {"user": context["user"], "link": settings.SITE_URL + path},
            language=get_language(),  # the language the person asked in
        )


class ResetPasswordForm(SetPasswordForm):
    """Django's reset view passes the user first; the same rules as at registration."""

    def __init__(self, user, *args, **kwargs):
        # user is None for a wrong or expired link: Django's view still builds the form.
        super().__init__(*args, email=getattr(user, "email", ""), **kwargs)
        self.user = user

    def save(self, commit=True):
        self.user.set_password(self.cleaned_data["password1"])
        if commit:
            self.user.save(update_fields=["password"])
        return self.user


class ChangePasswordForm(ResetPasswordForm):
    """Mijn account: the current password first, then the new one twice."""

    error_messages = {
        **SetPasswordForm.error_messages,
        "wrong_password": _("Uw huidige wachtwoord klopt niet. Vul het opnieuw in."),
    }
    field_order = ["old_password", "password1", "password2"]

    old_password = forms.CharField(
        label=_("Vul uw huidige wachtwoord in"),
        strip=False,
        max_length=MAX_PASSWORD_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.order_fields(self.field_order)
        self.fields["password1"].label = _("Vul een nieuw wachtwoord in")
        self.fields["password1"].widget.attrs.pop("autofocus", None)

    def clean_old_password(self):
        password = normalize_password(self.cleaned_data["old_password"])
        if not self.user.check_password(password):
            raise forms.ValidationError(
                self.error_messages["wrong_password"], code="wrong_password"
            )
        return password
