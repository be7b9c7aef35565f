from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MyaccountConfig(AppConfig):
    """Mijn account: authenticators, password, Azure CSV (SPEC 9)."""

    name = "myaccount"
    verbose_name = _("Mijn account")
