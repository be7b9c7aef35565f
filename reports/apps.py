from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reports that read every layer: the servicedesk overview."""

    name = "reports"
    verbose_name = _("Rapportages")
