"""Playwright driving Debian's Chromium (/usr/bin/chromium); no browser is ever downloaded.

Passkeys and security keys: the `passkeys` fixture turns them on, and
`virtual_authenticator(page)` plugs a key into the page's browser (import it from here).
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.test import override_settings

if TYPE_CHECKING:
    from playwright.sync_api import CDPSession, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run `make browser-deps`"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI the browser tests must run, never skip
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def contexts(browser, live_server, transactional_db):
    """Two separate browsers' worth of cookies: a person's and an agent's (or an
    administrator's)."""
    made = [browser.new_context(base_url=live_server.url, locale="nl-NL") for _ in range(2)]
    for context in made:
        context.set_default_timeout(10_000)
    yield made
    for context in made:
        context.close()


# DevTools' VirtualAuthenticatorOptions: a FIDO2 key on USB that checks its PIN (user
# verification) and is touched at once, with no dialog in the way.
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "usb",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


@dataclass
class VirtualAuthenticator:
    """A key plugged into one browser: the DevTools session that plugged it in, and its id."""

    session: "CDPSession"
    authenticator_id: str

    def credentials(self) -> list[dict]:
        """The credentials the key holds (DevTools' WebAuthn.Credential), one per registration."""
        answer = self.session.send(
            "WebAuthn.getCredentials", {"authenticatorId": self.authenticator_id}
        )
        return answer["credentials"]

    def set_user_verified(self, verified: bool) -> None:
        """From now on the key's PIN (or fingerprint) check passes, or fails: with False the
        browser's request ends in an error, as when a person cancels."""
        self.session.send(
            "WebAuthn.setUserVerified",
            {"authenticatorId": self.authenticator_id, "isUserVerified": verified},
        )


def virtual_authenticator(page: "Page", **options) -> VirtualAuthenticator:
    """Plug a virtual key into `page` (Chromium's WebAuthn domain of DevTools); it stays
    for every later navigation of that page (tab). Call it before the page asks the key.
    `options` override AUTHENTICATOR, e.g. `transport="internal"` for a phone's own passkey,
    `isUserVerified=False` for a key whose PIN check fails.

        key = virtual_authenticator(page)
        ...  # register a key in the page
        assert len(key.credentials()) == 1
        key.set_user_verified(False)  # the next request fails
    """
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable", {"enableUI": False})
    added = session.send(
        "WebAuthn.addVirtualAuthenticator", {"options": {**AUTHENTICATOR, **options}}
    )
    return VirtualAuthenticator(session, added["authenticatorId"])


# A browser without passkey autofill (conditional mediation). Chromium's virtual authenticator
# answers the login page's autofill request at once, logging a passkey's owner in on arrival;
# a test of the password or the button path adds this script to its page first.
NO_PASSKEY_AUTOFILL = "PublicKeyCredential.isConditionalMediationAvailable = async () => false;"


@pytest.fixture
def passkeys(settings, live_server, invite):
    """Passkeys on (PASSKEYS_ENABLED), with the live server (http://localhost:port) as the
    keys' relying party (SITE_URL). Returns `invite(address)`, which invites as the `invite`
    fixture does, (invitation, link path), its mail made for the tests' usual SITE_URL."""
    mail_site_url = settings.SITE_URL  # the one tests.support.link_from_mail reads
    settings.PASSKEYS_ENABLED = True
    settings.SITE_URL = live_server.url

    def invite_for_keys(address, **kwargs):
        with override_settings(SITE_URL=mail_site_url):
            return invite(address, **kwargs)

    return invite_for_keys
