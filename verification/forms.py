import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import normalize_email

from .models import CODE_DIGITS, MESSAGE_MAX_LENGTH

CODE_PATTERN = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")


class MessageForm(forms.Form):
    """One chat line: plain text, shown escaped; the browser and the server both cap it."""

    error_messages = {
        "required": _("Typ eerst een bericht."),
        "max_length": _(
            "Een bericht is hoogstens %(limit_value)d tekens; u typte er %(show_value)d."
        ),
    }

    text = forms.CharField(
        label=_("Uw bericht"),
        max_length=MESSAGE_MAX_LENGTH,
        error_messages=error_messages,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "maxlength": MESSAGE_MAX_LENGTH,
                "aria-describedby": "chat-error text-hint",
            }
        ),
    )


class CodeInput(forms.TextInput):
    """Never writes a typed code back into the page, like a password field, but visible."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


class CodeField(forms.CharField):
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
        if not CODE_PATTERN.fullmatch(code):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return code


class CodeForm(forms.Form):
    """ "Verifiëren": the agent types the code the person gives in the chat."""

    code = CodeField(label=_("Verificatiecode die de persoon noemt"))


class ResetForm(CodeForm):
    """ "Authenticatiemiddel resetten", after the same check (its own label: both are on a page)."""

    code = CodeField(label=_("Verificatiecode van de persoon, ter controle"))


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
    code = CodeField(label=_("Verificatiecode"))

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])
