from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.invitations import invitation_resend, invitations_create
from accounts.invitee_lists import Invitee
from accounts.models import Invitation, Organisation, Role, User

DEMO_ORGANISATION = "Demo Zorggroep"
DEMO_ADDRESS = "demo.zorgverlener@example.org"
DEMO_NAME = {"first_name": "Demi", "last_name": "van den Berg"}


class Command(BaseCommand):
    # In Dutch, as every other command (invite, import_azure_csv) and Django's own under "nl".
    help = (
        "Laad een demo-organisatie met rollen en mail een nieuwe demo-uitnodiging (ontwikkeling)."
    )

    def handle(self, *args, **options):
        organisation, __ = Organisation.objects.get_or_create(name=DEMO_ORGANISATION)
        for name in ("Huisarts", "Doktersassistent", "Praktijkondersteuner"):
            Role.objects.get_or_create(name=name)
        self.stdout.write(
            self.style.SUCCESS(
                _("Demogegevens geladen: organisatie '%(name)s'.") % {"name": DEMO_ORGANISATION}
            )
        )
        if User.objects.filter(email=DEMO_ADDRESS).exists():
            self.stdout.write(
                _("%(address)s is al geregistreerd: log daarmee in.") % {"address": DEMO_ADDRESS}
            )
        else:
            self._invite(organisation, Role.objects.get(name="Huisarts"))
            self.stdout.write(
                _(
                    "De uitnodigingsmail voor %(address)s staat hierboven: open de link erin in "
                    "een browser om te registreren."
                )
                % {"address": DEMO_ADDRESS}
            )
        self.stdout.write(
            _(
                "Eerste beheerder: .venv/bin/python manage.py createsuperuser, log daarna in op "
                "%(url)s (bij de eerste keer inloggen koppelt u een tweede factor)."
            )
            % {"url": f"{settings.SITE_URL}/inloggen/"}
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
