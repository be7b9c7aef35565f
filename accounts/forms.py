from django import forms
from django.contrib.auth import password_validation
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .invitee_lists import (
    CSV_MAX_BYTES,
    CSV_MAX_ROWS,
    MAX_NAME_LENGTH,
    InviteeCsvError,
    normalize_name,
    parse_invitee_csv,
)
from .models import Organisation, Role, User
from .passwords import LoginRefused, password_check
from .validators import MaximumLengthValidator, normalize_password

NAME_AUTOCOMPLETE = {"first_name": "given-name", "last_name": "family-name"}


def current_password_field(label) -> forms.CharField:
    """A password typed to be checked. The account normalises and checks it; only its length is
    checked here, on the NFKC form, so an absurd input is refused before it is hashed."""
    return forms.CharField(
        label=label,
        strip=False,
        validators=[MaximumLengthValidator().validate],
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def name_field(key: str, label, required_message) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=MAX_NAME_LENGTH,
        error_messages={
            "required": required_message,
            "max_length": _("Dit is te lang: gebruik hoogstens %(limit_value)d tekens."),
        },
        widget=forms.TextInput(attrs={"autocomplete": NAME_AUTOCOMPLETE[key]}),
    )


class SetPasswordForm(forms.Form):
    """Choose a password (SPEC 2). The e-mail address comes from the invitation, not the form;
    so do the names, and only those the invitation lacks are asked."""

    error_messages = {
        "password_mismatch": _(
            "De twee wachtwoorden zijn niet gelijk. Vul twee keer hetzelfde in."
        ),
    }

    first_name = name_field("first_name", _("Voornaam"), _("Vul uw voornaam in."))
    last_name = name_field("last_name", _("Achternaam"), _("Vul uw achternaam in."))
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

    def __init__(self, *args, email: str, names: dict[str, str] | None = None, **kwargs):
        """`names`: the invitation's; a blank one is asked. None asks none (a reset)."""
        super().__init__(*args, **kwargs)
        self.email = email
        self.given_names = {key: value for key, value in (names or {}).items() if value}
        for key in NAME_AUTOCOMPLETE:
            if names is None or key in self.given_names:
                del self.fields[key]
        asked = [key for key in NAME_AUTOCOMPLETE if key in self.fields]
        if asked:  # the first empty field gets the focus
            self.fields["password1"].widget.attrs.pop("autofocus", None)
            self.fields[asked[0]].widget.attrs["autofocus"] = True

    def names(self) -> dict[str, str]:
        """The names the account gets: the invitation's, else the ones typed here."""
        return {
            key: self.given_names.get(key) or self.cleaned_data.get(key, "")
            for key in NAME_AUTOCOMPLETE
        }

    def name_rows(self) -> list[dict]:
        """Per name, in order: a given one to show read-only, or the field that asks it."""
        return [
            {
                "key": key,
                "label": self.base_fields[key].label,
                "value": self.given_names.get(key, ""),
                "autocomplete": autocomplete,
                "field": self[key] if key in self.fields else None,
            }
            for key, autocomplete in NAME_AUTOCOMPLETE.items()
        ]

    def clean_first_name(self):
        return self._clean_name("first_name")

    def clean_last_name(self):
        return self._clean_name("last_name")

    def _clean_name(self, key: str) -> str:
        """Invisible characters and double spaces go; what is left must not be empty."""
        name = normalize_name(self.cleaned_data[key])
        if not name:
            raise forms.ValidationError(self.fields[key].error_messages["required"], "required")
        return name

    def clean_password1(self):
        """The names are cleaned first (field order), so the password is checked against them.

        As typed: the rules judge, and `User.set_password` hashes, its NFKC form."""
        password = self.cleaned_data["password1"]
        password_validation.validate_password(password, User(email=self.email, **self.names()))
        return password

    def clean(self):
        cleaned = super().clean()
        first = cleaned.get("password1")
        second = self.cleaned_data.get("password2")
        if first and second is not None and normalize_password(first) != normalize_password(second):
            self.add_error(
                "password2",
                forms.ValidationError(
                    self.error_messages["password_mismatch"], code="password_mismatch"
                ),
            )
        return cleaned


class InviteForm(forms.Form):
    """The servicedesk's invitation form in the admin: a pasted list, a CSV file, or both.

    A valid form's `csv_file` is the file's people (a list of Invitee), [] without a file.
    """

    error_messages = {
        "nothing": _("Vul e-mailadressen in of kies een CSV-bestand."),
        "file_too_large": _(
            "Het bestand is te groot (%(size)s). Upload een bestand van hoogstens %(limit)s, "
            "of splits het in kleinere bestanden."
        ),
    }

    addresses = forms.CharField(
        label=_("E-mailadressen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 60}),
        help_text=_(
            "Eén adres per regel (of gescheiden door komma's), met naam als "
            "‘Anna de Vries <anna@example.org>’: het eerste woord is de voornaam, de rest de "
            "achternaam. Elk adres krijgt een eigen uitnodiging; ongeldige, dubbele en al "
            "bekende adressen worden gemeld."
        ),
    )
    csv_file = forms.FileField(
        label=_("Of een CSV-bestand met namen"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=_(
            "Eerste regel ‘voornaam;achternaam;e-mailadres’ (of met komma's), daaronder één "
            "persoon per regel, opgeslagen als CSV UTF-8. Een bestand met fouten nodigt "
            "niemand uit: elke foute regel wordt gemeld."
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

    def clean_csv_file(self):
        """The file's people; every bad line becomes one error, and nobody is invited."""
        upload = self.cleaned_data["csv_file"]
        if not upload:
            return []
        if upload.size > CSV_MAX_BYTES:  # refuse by its size, before reading it
            raise forms.ValidationError(
                self.error_messages["file_too_large"],
                code="file_too_large",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(CSV_MAX_BYTES),
                },
            )
        try:
            return parse_invitee_csv(upload.read(), max_rows=CSV_MAX_ROWS)
        except InviteeCsvError as error:
            raise forms.ValidationError(
                [forms.ValidationError(problem, code="csv_problem") for problem in error.problems]
            ) from None

    def clean(self):
        cleaned = super().clean()
        no_file = cleaned.get("csv_file") == []  # None when the file had problems
        if no_file and not cleaned.get("addresses", "").strip():
            self.add_error(
                "addresses", forms.ValidationError(self.error_messages["nothing"], code="nothing")
            )
        return cleaned


class ResetPasswordForm(SetPasswordForm):
    """Django's reset view passes the user first; the same rules as at registration."""

    def __init__(self, user, *args, **kwargs):
        # user is None for a wrong or expired link: Django's view still builds the form.
        super().__init__(*args, email=getattr(user, "email", ""), **kwargs)
        self.user = user

    def names(self) -> dict[str, str]:
        """The account's own names, so a new password may not resemble them either."""
        return {key: getattr(self.user, key, "") for key in NAME_AUTOCOMPLETE}

    def save(self, commit=True):
        self.user.set_password(self.cleaned_data["password1"])
        if commit:
            self.user.save(update_fields=["password"])
        return self.user


class ChangePasswordForm(ResetPasswordForm):
    """Mijn account: the current password first (throttled as at the login), then the new one
    twice."""

    field_order = ["old_password", "password1", "password2"]

    old_password = current_password_field(_("Vul uw huidige wachtwoord in"))

    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request
        self.order_fields(self.field_order)
        self.fields["password1"].label = _("Vul een nieuw wachtwoord in")
        self.fields["password1"].widget.attrs.pop("autofocus", None)

    def clean_old_password(self):
        password = self.cleaned_data["old_password"]
        try:
            password_check(self.request, user=self.user, password=password)
        except LoginRefused as refusal:  # wrong, or a wait: the message says which
            raise forms.ValidationError(refusal.message, code=refusal.reason) from None
        return password
