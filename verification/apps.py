from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("Verificatie")

    def ready(self):
        """Register the system checks, so a bad opening-hours setting is reported at start,
        and the opening hours' sentence for pages below this app (the portal's Documentatie)."""
        from verification import checks  # noqa: F401
        from verification.opening_hours import OpeningHours
        from zorgportaal import helpdesk_hours

        helpdesk_hours.register(lambda: OpeningHours.from_settings().describe())
