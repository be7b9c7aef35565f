from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from verification.services import retention, verification_data_purge


class Command(BaseCommand):
    # In Dutch, as every other command (invite, import_azure_csv) and Django's own under "nl".
    help = (
        "Verwijder chatregels, chats en verificatiecodes die ouder zijn dan "
        "VERIFICATION_RETENTION_DAYS (standaard 90); een open chat houdt zijn recente regels. "
        "De audittrail bewaart wie wie wanneer heeft geverifieerd. Veilig om uit cron te "
        "draaien, bijvoorbeeld elke nacht."
    )

    def handle(self, *args, **options):
        report = verification_data_purge()
        days = retention().days
        self.stdout.write(
            _("Verwijderd, ouder dan %(days)s: %(conversations)s, %(messages)s en %(codes)s.")
            % {
                "days": ngettext("%(count)d dag", "%(count)d dagen", days) % {"count": days},
                "conversations": ngettext("%(count)d chat", "%(count)d chats", report.conversations)
                % {"count": report.conversations},
                "messages": ngettext(
                    "%(count)d chatbericht", "%(count)d chatberichten", report.messages
                )
                % {"count": report.messages},
                "codes": ngettext(
                    "%(count)d verificatiecode", "%(count)d verificatiecodes", report.codes
                )
                % {"count": report.codes},
            }
        )
