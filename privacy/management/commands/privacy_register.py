from django.core.management.base import BaseCommand
from django.utils import translation

from privacy.register import register_markdown


class Command(BaseCommand):
    # In Dutch, as every other command; the table itself is English, as PRIVACY.md is.
    help = (
        "Druk het register van persoonsgegevens af als Markdown-tabel (Engels), zoals het in "
        "PRIVACY.md staat; de bewaartermijnen volgen de instellingen van deze omgeving."
    )

    def handle(self, *args, **options):
        with translation.override("en"):
            self.stdout.write(register_markdown())
