"""Forms that confirm an app, link a hardware token and upload an Azure CSV.

Like django-otp's own forms, they call the services from `clean`, so a wrong code, a throttled
device or a bad CSV line shows up as an error at the field it concerns.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation

from . import services
from .azure_csv import AzureCsvError
from .models import CODE_PATTERN, normalize_code


def code_input() -> forms.TextInput:
    """A field phones fill from an SMS or authenticator and show a number pad for."""
    return forms.TextInput(
        attrs={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "autocapitalize": "off",
            "spellcheck": "false",
            "size": 8,
        }
    )


class CodeField(forms.CharField):
    """Six digits as an app or token shows them; spaces the person types ("123 456") are ignored.

    Give the messages for "required" and "invalid" that fit the page.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", code_input())
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalize_code(value or "")

    def validate(self, value):
        super().validate(value)
        if value and not CODE_PATTERN.fullmatch(value):
            raise ValidationError(self.error_messages["invalid"], code="code_format")


class OneTimeCodeForm(forms.Form):
    """The one-time code, and a choice of device when a person has more than one.

    For the login's code step, a step-up in Mijn account and an administrator's own code.
    """

    device = forms.ChoiceField(label=_("Authenticatiemiddel"), widget=forms.RadioSelect)
    code = CodeField(
        label=_("Code"),
        error_messages={"invalid": _("Vul de 6 cijfers in die uw app of token nu laat zien.")},
    )

    def __init__(self, *args, devices, **kwargs):
        super().__init__(*args, **kwargs)
        # Only devices that show codes: a passkey or security key (tokens.webauthn) has none.
        self.devices = {
            device.persistent_id: device for device in devices if hasattr(device, "check_code")
        }
        self.fields["device"].choices = [(pid, d.name) for pid, d in self.devices.items()]
        self.fields["device"].initial = next(iter(self.devices), None)
        self.fields["code"].widget.attrs["autofocus"] = True
        if len(self.devices) < 2:
            self.fields["device"].widget = forms.HiddenInput()

    def clean_device(self):
        return self.devices[self.cleaned_data["device"]]


class AppConfirmForm(forms.Form):
    """Stap 3 of "App instellen": the first code from the app confirms it."""

    error_messages = {
        "code_required": _("Vul de code van 6 cijfers in die de app laat zien."),
        "code_format": _("Een code bestaat uit 6 cijfers. Vul de code in die de app laat zien."),
        "code_invalid": _(
            "Deze code klopt niet. Vul de code in die de app nu laat zien (die verandert elke "
            "30 seconden). Blijft het misgaan, controleer dan of de tijd op uw telefoon "
            "automatisch wordt ingesteld."
        ),
    }

    code = CodeField(
        label=_("Code uit de app"),
        error_messages={
            "required": error_messages["code_required"],
            "invalid": error_messages["code_format"],
        },
    )

    def __init__(self, *args, device, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device
        self.request = request

    def clean_code(self):
        code = self.cleaned_data["code"]
        refusal = services.device_refusal(self.device)
        if refusal is not None:
            raise ValidationError(refusal.message, code=refusal.reason)
        if not services.app_device_confirm(self.device, code, request=self.request):
            raise ValidationError(self.error_messages["code_invalid"], code="code_invalid")
        return code


class TokenLinkForm(forms.Form):
    """ "Token instellen": the serial from the back of the token and the code it shows now."""

    error_messages = {
        "serial_required": _("Vul het serienummer in; het staat op de achterkant van het token."),
        "code_required": _("Vul de code in die het token laat zien als u op het knopje drukt."),
        "code_format": _("Een code bestaat uit 6 cijfers. Vul de code in die het token laat zien."),
    }

    serial = forms.CharField(
        label=_("Serienummer"),
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        error_messages={"required": error_messages["serial_required"]},
    )
    code = CodeField(
        label=_("Code"),
        error_messages={
            "required": error_messages["code_required"],
            "invalid": error_messages["code_format"],
        },
    )

    def __init__(self, *args, user, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request
        self.device = None

    def clean(self):
        """One answer for serial and code together: it never says which serials exist."""
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.device = services.token_link(
                user=self.user,
                serial=cleaned["serial"],
                code=cleaned["code"],
                request=self.request,
            )
        except services.TokenLinkError as error:
            raise ValidationError(error.message, code=error.reason) from None
        return cleaned


class AzureCsvUploadForm(forms.Form):
    """A person's Azure CSV upload, for their own organisation; a valid form has imported its
    tokens (`csv_import`)."""

    error_messages = {
        "file_required": _("Kies het Azure CSV-bestand dat u wilt uploaden."),
        "file_empty": _("Het gekozen bestand is leeg. Kies het Azure CSV-bestand met uw tokens."),
        "file_too_large": _(
            "Het bestand is te groot (%(size)s). Upload een bestand van hoogstens %(limit)s, "
            "of splits het in kleinere bestanden."
        ),
    }

    csv_file = forms.FileField(
        label=_("Azure CSV-bestand"),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={
            "required": error_messages["file_required"],
            "empty": error_messages["file_empty"],
        },
    )

    def __init__(self, *args, user, request, source, max_rows, max_bytes, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request
        self.source = source
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.csv_import = None

    def clean_csv_file(self):
        upload = self.cleaned_data["csv_file"]
        if upload.size > self.max_bytes:  # refuse by its size, before reading it
            raise ValidationError(
                self.error_messages["file_too_large"],
                code="file_too_large",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(self.max_bytes),
                },
            )
        return upload

    def import_options(self) -> dict:
        """Whose tokens these become: the person's own organisation."""
        return {"organisation": self.user.organisation}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        upload = cleaned["csv_file"]
        try:
            self.csv_import = services.tokens_import_azure_csv(
                data=upload.read(),
                filename=upload.name,
                imported_by=self.user,
                source=self.source,
                max_rows=self.max_rows,
                max_bytes=self.max_bytes,
                request=self.request,
                **self.import_options(),
            )
        except AzureCsvError as error:
            self.add_error(
                "csv_file",
                [ValidationError(str(problem), code="csv_problem") for problem in error.problems],
            )
        return cleaned


class AdminAzureCsvUploadForm(AzureCsvUploadForm):
    """An administrator's batch: for the organisation it names, optionally taking over serials
    that are still unlinked."""

    organisation = forms.ModelChoiceField(
        label=_("Organisatie"),
        queryset=Organisation.objects.all(),
        help_text=_("Alleen mensen van deze organisatie kunnen de tokens koppelen."),
        error_messages={"required": _("Kies de organisatie waarvoor de tokens zijn.")},
    )
    take_over = forms.BooleanField(
        label=_("Nog niet gekoppelde serienummers overnemen"),
        required=False,
        help_text=_(
            "Staat een serienummer uit dit bestand al in de inventaris van deze organisatie (of "
            "zonder organisatie) en heeft niemand het gekoppeld, dan vervangt deze import het. "
            "Gekoppelde tokens blijven altijd staan."
        ),
    )
    field_order = ["organisation", "csv_file", "take_over"]

    def import_options(self) -> dict:
        return {
            "organisation": self.cleaned_data["organisation"],
            "take_over": self.cleaned_data["take_over"],
        }
