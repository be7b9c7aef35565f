from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    """From the invitation link to a bound factor (manual 2.1 to 2.5)."""

    name = "registration"
    verbose_name = _("Registratie")
