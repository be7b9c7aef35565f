from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("Verificatie")

    def ready(self):
        """Register the system checks, so a bad opening-hours setting is reported at start."""
        from verification import checks  # noqa: F401
