"""The demo tile "Calculus VIPLive": a service that logs people in through ZorgPortaal (the
demo relying party in demo_service/, `make demo-service`). Development only."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal import clients
from portal.models import Service

DEMO_SITE = "http://localhost:8001"
# The demo relying party's defaults (demo_service/settings.py); known to anyone, so never
# loaded with DEBUG off.
DEMO_CLIENT_ID = "calculus-viplive-demo"
DEMO_CLIENT_SECRET = "demo-geheim-alleen-voor-make-run"  # noqa: S105


class Command(BaseCommand):
    help = "Add the demo service tile 'Calculus VIPLive' with single sign-on (development)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The demo service has a public secret: only with DEBUG=true.")
        with transaction.atomic():
            service, _ = Service.objects.update_or_create(
                name="Calculus VIPLive",
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
                f"Demo service 'Calculus VIPLive' loaded: start it with `make demo-service`, "
                f"then open its tile on {settings.SITE_URL}/portaal/."
            )
        )
