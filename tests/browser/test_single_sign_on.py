"""Single sign-on in Chromium: the demo relying party (Authlib, its own server process) logs a
person in through ZorgPortaal, a second service needs no new login, and logging out of
ZorgPortaal ends both services' sessions through back-channel logout."""

import os
import subprocess
import sys
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from bench.browser import HOST, free_port, wait_until_healthy
from portal import clients
from portal.models import Service
from tests.browser.journeys import submit
from tests.support import GOOD_PASSWORD
from tokens.testing import device_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider(settings, live_server):
    """ZorgPortaal as the live server's address says it is; http only on this loopback."""
    issuer = live_server.url + "/oidc"
    settings.OIDC_ISSUER = issuer
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_ISS_ENDPOINT": issuer,
        "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
    }
    return issuer


@contextmanager
def demo_service(issuer: str, name: str):
    """The demo relying party in a process of its own, registered as service `name`."""
    port = free_port()
    site = f"http://{HOST}:{port}"
    service = Service.objects.create(
        name=name,
        url=site + "/",
        first_party=True,
        initiate_login_uri=site + "/oidc/start",
        backchannel_logout_uri=site + "/oidc/backchannel-logout",
    )
    secret = clients.client_save(
        service,
        redirect_uris=[site + "/oidc/callback"],
        post_logout_redirect_uris=[site + "/afgemeld"],
    )
    env = {
        **os.environ,
        "ZORGPORTAAL_ISSUER": issuer,
        "DEMO_SITE_URL": site,
        "DEMO_CLIENT_ID": service.application.client_id,
        "DEMO_CLIENT_SECRET": secret,
    }
    process = subprocess.Popen(  # noqa: S603 (our own module, our own interpreter)
        [sys.executable, "-m", "demo_service", f"{HOST}:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_healthy(site, process)
        yield site
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_two_services_one_login_and_logging_out_ends_both(page, provider, person):
    with (
        demo_service(provider, "Calculus VIPLive") as first,
        demo_service(provider, "Acceptatie") as second,
    ):
        page.goto(first + "/")
        page.get_by_role("link", name="Inloggen met uw Topicus Zorg Account").click()
        page.locator("#id_email").fill(person.email)
        page.locator("#id_password").fill(GOOD_PASSWORD)
        submit(page, "#id_password")
        page.locator("#id_code").fill(device_code(person.app))
        submit(page, "#id_code")

        expect(page.locator(".welcome")).to_have_text("Welkom, Anna de Vries")
        expect(page.locator(".claim-amr")).to_have_text("['pwd', 'otp', 'swk', 'mfa']")
        expect(page.locator(".claim-acr")).to_have_text("urn:zorgportaal:acr:helpdesk-verified")

        page.goto(second + "/")
        page.get_by_role("link", name="Inloggen met uw Topicus Zorg Account").click()
        expect(page.locator(".welcome")).to_have_text("Welkom, Anna de Vries")  # no login

        page.goto(provider.removesuffix("/oidc") + "/portaal/")
        page.get_by_role("button", name="Uitloggen").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("ZorgPortaal")

        for site in (first, second):
            page.goto(site + "/")
            expect(page.get_by_text("U bent niet ingelogd.")).to_be_visible()


def test_the_dashboard_tile_signs_the_person_straight_in(page, provider, person):
    with demo_service(provider, "Calculus VIPLive") as site:
        page.goto("/inloggen/")
        page.locator("#id_email").fill(person.email)
        page.locator("#id_password").fill(GOOD_PASSWORD)
        submit(page, "#id_password")
        page.locator("#id_code").fill(device_code(person.app))
        submit(page, "#id_code")

        page.get_by_role("link", name="Calculus VIPLive").click()

        expect(page.locator(".welcome")).to_have_text("Welkom, Anna de Vries")
        assert page.url.startswith(site)


def test_logging_out_at_the_service_logs_out_of_zorgportaal(page, provider, person):
    with demo_service(provider, "Calculus VIPLive") as site:
        page.goto(site + "/inloggen/")
        page.locator("#id_email").fill(person.email)
        page.locator("#id_password").fill(GOOD_PASSWORD)
        submit(page, "#id_password")
        page.locator("#id_code").fill(device_code(person.app))
        submit(page, "#id_code")
        expect(page.locator(".welcome")).to_be_visible()

        page.get_by_role("button", name="Uitloggen").click()

        expect(page.locator(".logged-out")).to_have_text("U bent uitgelogd.")
        page.goto("/portaal/")
        assert "/inloggen/" in page.url
