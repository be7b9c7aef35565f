from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class SsoConfig(AppConfig):
    """Single sign-on: ZorgPortaal as the OpenID Connect provider of the Diensten."""

    name = "sso"
    verbose_name = _("Eenmalig inloggen")

    def ready(self):
        from zorgportaal import outbox

        from . import checks  # noqa: F401  (registers the deploy check)
        from .backchannel import logout_notices_send_due  # also connects logins_ended

        outbox.register(
            "backchannel_logouts",
            logout_notices_send_due,
            report=ngettext_lazy(
                "%(done)d van %(attempted)d uitlogbericht aan een dienst verstuurd",
                "%(done)d van %(attempted)d uitlogberichten aan diensten verstuurd",
                "attempted",
            ),
        )
