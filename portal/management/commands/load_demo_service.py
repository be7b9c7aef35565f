"""The demo tile "Calculus VIPLive": a service that logs people in through ZorgPortaal (the
demo relying party in demo_service/, `make demo-service`). Development only."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from portal import clients
from portal.models import Service

DEMO_NAME = "Calculus VIPLive"
DEMO_SITE = "http://localhost:8001"
# The demo relying party's defaults (demo_service/settings.py); known to anyone, so never
# loaded with DEBUG off.
DEMO_CLIENT_ID = "calculus-viplive-demo"
DEMO_CLIENT_SECRET = "demo-geheim-alleen-voor-make-run"  # noqa: S105


class Command(BaseCommand):
    # In Dutch, as every other command (invite, import_azure_csv) and Django's own under "nl".
    help = "Voeg de demodienst 'Calculus VIPLive' met eenmalig inloggen toe (ontwikkeling)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(_("De demodienst heeft een openbaar geheim: alleen met DEBUG=true."))
        with transaction.atomic():
            service, __ = Service.objects.update_or_create(
                name=DEMO_NAME,
                defaults={
                    "description": "Demo: inloggen met uw Topicus Zorg Account",
                    "url": DEMO_SITE + "/",
                    "initiate_login_uri": DEMO_SITE + "/oidc/start",
                    "backchannel_logout_uri": DEMO_SITE + "/oidc/backchannel-logout",
                    "first_party": True,
                },
            )
            clients.client_save(
                service,
                redirect_uris=[DEMO_SITE + "/oidc/callback"],
                post_logout_redirect_uris=[DEMO_SITE + "/afgemeld"],
            )
            application = service.application
            application.client_id = DEMO_CLIENT_ID
            application.client_secret = DEMO_CLIENT_SECRET
            application.save()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demodienst '%(name)s' geladen: start hem met `make demo-service` en open "
                    "daarna zijn tegel op %(url)s."
                )
                % {"name": DEMO_NAME, "url": f"{settings.SITE_URL}/portaal/"}
            )
        )
