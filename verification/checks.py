"""System checks: a mistyped opening-hours setting should stop `runserver`, not a patient's chat."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from verification.opening_hours import OpeningHours


@checks.register()
def check_opening_hours(app_configs=None, **kwargs):
    """Report HELPDESK_OPENING_HOURS / HELPDESK_HOLIDAYS that cannot be read, at start-up."""
    try:
        OpeningHours.from_settings()
    except ImproperlyConfigured as error:
        return [
            checks.Error(
                str(error),
                hint="Correct the environment variable and restart; the README's "
                "'Running it' table describes both settings.",
                id="verification.E001",
            )
        ]
    return []
