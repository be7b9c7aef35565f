from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = _("Authenticatiemiddelen")

    def ready(self):
        from accounts.deactivation import account_deactivated
        from zorgportaal import retention

        from . import checks  # noqa: F401  (registers the deploy check)
        from .retention import csv_imports_purge, unclaimed_tokens_purge
        from .services import devices_remove_on_deactivation

        account_deactivated.connect(devices_remove_on_deactivation, dispatch_uid="tokens")

        # Tokens first: an import whose last token goes tonight goes tonight too.
        retention.register(
            "unclaimed_tokens",
            unclaimed_tokens_purge,
            setting="UNCLAIMED_TOKEN_RETENTION_DAYS",
            report=ngettext_lazy(
                "%(count)d nooit gekoppeld hardware token verwijderd",
                "%(count)d nooit gekoppelde hardware tokens verwijderd",
                "count",
            ),
        )
        retention.register(
            "csv_imports",
            csv_imports_purge,
            setting="CSV_IMPORT_RETENTION_DAYS",
            report=ngettext_lazy(
                "%(count)d Azure CSV-import verwijderd",
                "%(count)d Azure CSV-imports verwijderd",
                "count",
            ),
        )
