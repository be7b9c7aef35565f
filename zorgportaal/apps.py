from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .redaction import install_log_redaction


class ZorgportaalConfig(AppConfig):
    default = True
    name = "zorgportaal"
    verbose_name = _("ZorgPortaal")

    def ready(self):
        from django.contrib.auth import user_logged_in
        from django.contrib.auth.models import update_last_login

        from . import outbox, retention, sessions

        # From here on no log record holds an invitation or reset link secret.
        install_log_redaction()
        # A password alone is half a login: last_login is set once the code is given too.
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(sessions.start_clock, dispatch_uid="session_start_clock")
        # First in the worker's round: the logins it ends are told to the services in the same.
        outbox.register(
            "expired_logins",
            sessions.logins_expired_end,
            report=ngettext_lazy(
                "%(done)d van %(attempted)d verlopen sessie beëindigd",
                "%(done)d van %(attempted)d verlopen sessies beëindigd",
                "attempted",
            ),
        )
        # Ended logins, Django's expired sessions and throttle counts (`manage.py purge`).
        retention.register_own()


class ZorgPortaalAdminConfig(admin_apps.AdminConfig):
    """Django's admin on a site that needs both factors (zorgportaal.admin_site)."""

    default = False
    default_site = "zorgportaal.admin_site.ZorgPortaalAdminSite"
