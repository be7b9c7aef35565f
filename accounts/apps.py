from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from zorgportaal import outbox

        from .invitations import invitations_send_due
        from .password_reset import password_reset_mails_send_due

        outbox.register("invitation mail(s) sent", invitations_send_due)
        outbox.register("password reset mail(s) sent", password_reset_mails_send_due)
