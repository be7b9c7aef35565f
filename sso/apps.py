from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    """Single sign-on: ZorgPortaal as the OpenID Connect provider of the Diensten."""

    name = "sso"
    verbose_name = _("Eenmalig inloggen")

    def ready(self):
        from zorgportaal import outbox

        from . import checks  # noqa: F401  (registers the deploy check)
        from .backchannel import logout_notices_send_due  # also connects logins_ended

        outbox.register("back-channel logout(s) sent", logout_notices_send_due)
