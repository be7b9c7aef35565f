from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The portal behind the journey: the dashboard and its pages (manual 2.7)."""

    name = "portal"
    verbose_name = _("Portaal")

    def ready(self):
        from . import clients  # noqa: F401  (a service's client is deleted with it)
