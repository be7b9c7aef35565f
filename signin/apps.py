from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigninConfig(AppConfig):
    """Logging in, logging out and "Wachtwoord vergeten?" (manual 2.8)."""

    name = "signin"
    verbose_name = _("Inloggen")
