from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = _("Authenticatiemiddelen")

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy check)
