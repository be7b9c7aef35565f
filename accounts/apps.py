from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from zorgportaal import outbox, retention

        from .deactivation import accounts_erase_due
        from .invitations import invitations_send_due
        from .password_reset import password_reset_mails_send_due
        from .retention import invitations_purge, password_reset_mails_purge

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
        retention.register(  # first: an erased account's invitation goes with it
            "accounts",
            accounts_erase_due,
            setting="ACCOUNT_RETENTION_DAYS",
            report=ngettext_lazy(
                "%(count)d gedeactiveerd account gewist",
                "%(count)d gedeactiveerde accounts gewist",
                "count",
            ),
        )
        retention.register(
            "invitations",
            invitations_purge,
            setting="INVITATION_RETENTION_DAYS",
            report=ngettext_lazy(
                "%(count)d verlopen of ingetrokken uitnodiging verwijderd",
                "%(count)d verlopen of ingetrokken uitnodigingen verwijderd",
                "count",
            ),
        )
        retention.register(
            "password_reset_mails",
            password_reset_mails_purge,
            setting="PASSWORD_RESET_RETENTION_DAYS",
            report=ngettext_lazy(
                "%(count)d mail voor een nieuw wachtwoord verwijderd",
                "%(count)d mails voor een nieuw wachtwoord verwijderd",
                "count",
            ),
        )
