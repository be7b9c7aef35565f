"""After changing OTP_SEED_KEY: encrypt every stored seed again with the new key."""

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tokens import services


class Command(BaseCommand):
    help = (
        "Versleutel alle OTP-seeds opnieuw met de huidige OTP_SEED_KEY. Zet de oude sleutel "
        "eerst in OTP_SEED_KEY_FALLBACKS; haal hem daar weg nadat dit commando is gelukt."
    )

    def handle(self, *args, **options):
        try:
            count = services.seeds_reencrypt()
        except InvalidToken:
            raise CommandError(
                _(
                    "Een seed kan met geen enkele sleutel worden ontsleuteld; er is niets "
                    "gewijzigd. Staat de vorige sleutel in OTP_SEED_KEY_FALLBACKS?"
                )
            ) from None
        message = ngettext(
            "%(count)d seed opnieuw versleuteld.", "%(count)d seeds opnieuw versleuteld.", count
        )
        self.stdout.write(self.style.SUCCESS(message % {"count": count}))
