from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.invitations import invitation_resend, invitations_create
from accounts.invitee_lists import Invitee
from accounts.models import Invitation, Organisation, Role, User

DEMO_ADDRESS = "demo.zorgverlener@example.org"
DEMO_NAME = {"first_name": "Demi", "last_name": "van den Berg"}


class Command(BaseCommand):
    help = "Load a demo organisation and roles and mail a fresh demo invitation (development)."

    def handle(self, *args, **options):
        organisation, _ = Organisation.objects.get_or_create(name="Demo Zorggroep")
        for name in ("Huisarts", "Doktersassistent", "Praktijkondersteuner"):
            Role.objects.get_or_create(name=name)
        self.stdout.write(self.style.SUCCESS("Demo data loaded: organisation 'Demo Zorggroep'."))
        if User.objects.filter(email=DEMO_ADDRESS).exists():
            self.stdout.write(f"{DEMO_ADDRESS} has registered already: log in with it.")
        else:
            self._invite(organisation, Role.objects.get(name="Huisarts"))
            self.stdout.write(
                f"The invitation mail for {DEMO_ADDRESS} is printed above: "
                "open its link in a browser to register."
            )
        self.stdout.write(
            "First administrator: .venv/bin/python manage.py createsuperuser, then log in at "
            f"{settings.SITE_URL}/inloggen/ (you bind a second factor at the first login)."
        )

    @staticmethod
    def _invite(organisation, role):
        """A fresh link on every run: renew the pending invitation, or make one."""
        pending = Invitation.objects.pending().filter(email=DEMO_ADDRESS)
        if pending.exists():
            pending.update(**DEMO_NAME)  # an invitation from before names were given
            invitation_resend(pending.get())
            return
        with transaction.atomic():
            invitations_create(
                invitees=[Invitee(DEMO_ADDRESS, **DEMO_NAME)],
                organisation=organisation,
                role=role,
            )
