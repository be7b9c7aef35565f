"""The console's forms: the verification code an agent types, and the phone lookup."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import normalize_email
from verification.models import CODE_DIGITS

VERIFICATION_CODE_PATTERN = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")


class CodeInput(forms.TextInput):
    """Never writes a typed code back into the page, like a password field, but visible."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


class VerificationCodeField(forms.CharField):
    """The 4-digit verification code as the person says it; spaces ("37 61") are ignored."""

    default_error_messages = {
        "required": _("Vul de verificatiecode in die de persoon noemt."),
        "invalid": _("Een verificatiecode bestaat uit 4 cijfers."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Verificatiecode"))
        kwargs.setdefault(
            "widget",
            CodeInput(
                attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6, "maxlength": 9}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        code = "".join(super().clean(value).split())
        if not VERIFICATION_CODE_PATTERN.fullmatch(code):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return code


class CodeForm(forms.Form):
    """ "Verifiëren": the agent types the code the person gives in the chat."""

    code = VerificationCodeField(label=_("Verificatiecode die de persoon noemt"))


class ResetForm(CodeForm):
    """ "Authenticatiemiddel resetten", after the same check (its own label: both are on a page)."""

    code = VerificationCodeField(label=_("Verificatiecode van de persoon, ter controle"))


class PhoneLookupForm(forms.Form):
    """The phone path: the person says their e-mail address and the code on their screen."""

    email = forms.EmailField(
        label=_("E-mailadres"),
        error_messages={
            "required": _("Vul het e-mailadres in."),
            "invalid": _("Vul een geldig e-mailadres in."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    code = VerificationCodeField(label=_("Verificatiecode"))

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])
