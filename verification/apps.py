from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("Verificatie")

    def ready(self):
        """Register the system checks, so a bad opening-hours setting is reported at start,
        the opening hours' sentence for pages below this app (the portal's Documentatie), the
        worker's round that closes the chats still waiting at closing time, and the purge of
        old chats and codes (`manage.py purge`)."""
        from verification import checks  # noqa: F401
        from verification.opening_hours import OpeningHours
        from verification.services import conversations_close_at_closing, verification_data_purge
        from zorgportaal import helpdesk_hours, outbox, retention

        helpdesk_hours.register(lambda: OpeningHours.from_settings().describe())
        outbox.register(
            "chats_at_closing_time",
            conversations_close_at_closing,
            report=ngettext_lazy(
                "%(done)d van %(attempted)d chat gesloten bij sluitingstijd",
                "%(done)d van %(attempted)d chats gesloten bij sluitingstijd",
                "attempted",
            ),
        )
        retention.register(
            "verification",
            lambda *, now: verification_data_purge(now=now).total,
            setting="VERIFICATION_RETENTION_DAYS",
            report=ngettext_lazy(
                "%(count)d chatbericht, chat of verificatiecode verwijderd",
                "%(count)d chatberichten, chats en verificatiecodes verwijderd",
                "count",
            ),
        )
