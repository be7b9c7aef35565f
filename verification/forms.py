from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MESSAGE_MAX_LENGTH


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
