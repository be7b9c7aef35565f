from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _

from .redaction import install_log_redaction


class ZorgportaalConfig(AppConfig):
    default = True
    name = "zorgportaal"
    verbose_name = _("ZorgPortaal")

    def ready(self):
        # From here on no log record holds an invitation or reset link secret.
        install_log_redaction()


class ZorgPortaalAdminConfig(admin_apps.AdminConfig):
    """Django's admin on a site that needs both factors (zorgportaal.admin_site)."""

    default = False
    default_site = "zorgportaal.admin_site.ZorgPortaalAdminSite"
