from django.core.management.base import BaseCommand

from accounts.invitations import invitation_deliver, invitations_due_for_retry


class Command(BaseCommand):
    help = (
        "Send invitation mails that failed or never went out, with growing pauses between "
        "attempts. Safe to run from cron every minute."
    )

    def handle(self, *args, **options):
        due = invitations_due_for_retry()
        sent = sum(invitation_deliver(invitation.pk) for invitation in due)
        self.stdout.write(f"{sent} of {len(due)} invitation mail(s) sent")
