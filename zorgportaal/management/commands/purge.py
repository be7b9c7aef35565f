"""The nightly purge: every retention period at once (each app's purges, zorgportaal.retention)."""

import logging

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zorgportaal import retention

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    # In Dutch, as every other command (invite, import_azure_csv) and Django's own under "nl".
    help = (
        "Verwijder alle persoonsgegevens waarvan de bewaartermijn voorbij is: gedeactiveerde "
        "accounts, ongebruikte uitnodigingen, mails voor een nieuw wachtwoord, chats en "
        "verificatiecodes, beëindigde sessies en inlogs bij diensten, verlopen sessies en "
        "tellingen van mislukte pogingen, tokens die niemand koppelde en oude Azure "
        "CSV-imports. Elke soort krijgt één regel en één gebeurtenis in de audittrail, met het "
        "aantal; de audittrail zelf blijft. Veilig om uit cron te draaien, bijvoorbeeld elke "
        "nacht."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        failed = []
        for purge in retention.PURGES.values():
            try:
                count = purge.run(now=now)
            except Exception:
                # One kind failing must not keep the others' data past their periods.
                logger.exception("Purge %s failed", purge.kind)
                failed.append(purge.kind)
                continue
            self.stdout.write(self._line(purge, count))
        if failed:
            raise CommandError(
                _("Niet gelukt, zie het log: %(kinds)s.") % {"kinds": ", ".join(failed)}
            )

    def _line(self, purge: retention.Purge, count: int) -> str:
        line = purge.line(count)
        days = purge.days()
        if days is None:
            return line
        return _("%(line)s (bewaartermijn %(days)s)") % {
            "line": line,
            "days": ngettext("%(count)d dag", "%(count)d dagen", days) % {"count": days},
        }
