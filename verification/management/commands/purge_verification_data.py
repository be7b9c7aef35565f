from django.core.management.base import BaseCommand

from verification.services import retention, verification_data_purge


class Command(BaseCommand):
    help = (
        "Delete helpdesk chat lines, chats and verification codes older than "
        "VERIFICATION_RETENTION_DAYS (default 90); an open chat keeps its recent lines. The audit "
        "trail keeps who verified whom and when. Safe to run from cron, e.g. once a night."
    )

    def handle(self, *args, **options):
        report = verification_data_purge()
        self.stdout.write(
            f"Removed {report.conversations} chat(s), {report.messages} chat message(s) and "
            f"{report.codes} verification code(s) older than {retention().days} days"
        )
