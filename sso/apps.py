from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class SsoConfig(AppConfig):
    """Single sign-on: ZorgPortaal as the OpenID Connect provider of the Diensten."""

    name = "sso"
    verbose_name = _("Eenmalig inloggen")

    def ready(self):
        from zorgportaal import outbox, retention

        from . import checks  # noqa: F401  (registers the deploy check)
        from .backchannel import logout_notices_send_due  # also connects logins_ended
        from .retention import service_tokens_purge, signins_purge

        outbox.register(
            "backchannel_logouts",
            logout_notices_send_due,
            report=ngettext_lazy(
                "%(done)d van %(attempted)d uitlogbericht aan een dienst verstuurd",
                "%(done)d van %(attempted)d uitlogberichten aan diensten verstuurd",
                "attempted",
            ),
        )
        retention.register(
            "service_signins",
            signins_purge,
            setting="LOGIN_RETENTION_DAYS",
            report=ngettext_lazy(
                "%(count)d inlog bij of uitlogbericht aan een dienst verwijderd",
                "%(count)d inlogs bij en uitlogberichten aan diensten verwijderd",
                "count",
            ),
        )
        retention.register(
            "service_tokens",
            service_tokens_purge,
            report=ngettext_lazy(
                "%(count)d verlopen code of token van een dienst verwijderd",
                "%(count)d verlopen codes en tokens van diensten verwijderd",
                "count",
            ),
        )
