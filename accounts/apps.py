from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from zorgportaal import outbox

        from .invitations import invitations_send_due
        from .password_reset import password_reset_mails_send_due

        outbox.register(
            "invitation_mails",
            invitations_send_due,
            report=ngettext_lazy(
                "%(done)d van %(attempted)d uitnodigingsmail verstuurd",
                "%(done)d van %(attempted)d uitnodigingsmails verstuurd",
                "attempted",
            ),
        )
        outbox.register(
            "password_reset_mails",
            password_reset_mails_send_due,
            report=ngettext_lazy(
                "%(done)d van %(attempted)d mail voor een nieuw wachtwoord verstuurd",
                "%(done)d van %(attempted)d mails voor een nieuw wachtwoord verstuurd",
                "attempted",
            ),
        )
