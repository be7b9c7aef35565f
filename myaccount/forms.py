"""Mijn account's own form: the name a person gives one of their authenticators."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tokens.services import DEVICE_NAME_MAX_LENGTH, DeviceNameError


class DeviceNameForm(forms.Form):
    """ "Naam wijzigen": a name the person recognises the device by ("iPhone van Anna")."""

    error_messages = {
        "length": _("Vul een naam in van hoogstens %(max)d tekens."),
        "taken": _("U heeft al een authenticatiemiddel met deze naam. Kies een andere naam."),
    }

    name = forms.CharField(
        label=_("Naam"),
        max_length=DEVICE_NAME_MAX_LENGTH,
        error_messages={
            "required": _("Vul een naam in."),
            "max_length": _("Vul een naam in van hoogstens %(limit_value)d tekens."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )

    def refuse(self, error: DeviceNameError) -> None:
        """Show why the service refused the name, at the field."""
        message = self.error_messages[str(error)]
        self.add_error("name", message % {"max": DEVICE_NAME_MAX_LENGTH})
