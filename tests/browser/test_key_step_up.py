"""A service demanding a phishing-resistant login, in Chromium (issue 16, point 5): a person who
logged in with password and app code is asked for their key inside the same session, and the
service's ID token then says so. The service's address is answered by the test itself."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from playwright.sync_api import expect

from sso.assurance import ACR_PHISHING_RESISTANT
from tests.browser.conftest import virtual_authenticator
from tests.browser.journeys import log_in
from tests.browser.test_passkeys import accessible, watched
from tests.browser.test_passkeys_myaccount import add_key
from tests.browser.test_security_csp import violations
from tests.sso.relying_party import RelyingParty

pytestmark = pytest.mark.browser

SERVICE = re.compile(r"^https://dienst\.example\.org/")


def test_a_code_login_steps_up_to_the_key_for_a_service_that_asks(page, person, passkeys):
    page = watched(page)
    virtual_authenticator(page)
    log_in(page, person)  # password and the app's code
    add_key(page)
    service = RelyingParty.register()
    page.route(SERVICE, lambda route: route.fulfill(status=200, body="Dienst"))

    page.goto(service.authorize_url(acr_values=ACR_PHISHING_RESISTANT))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bevestig met uw beveiligingssleutel")
    accessible(page)
    page.get_by_role("button", name="Bevestig met sleutel").click()

    expect(page).to_have_url(SERVICE)
    code = parse_qs(urlsplit(page.url).query)["code"][0]
    tokens = service.exchange(Client(), code).json()
    claims = service.id_token_claims(Client(), tokens["id_token"], nonce=service.nonce)
    assert claims["acr"] == ACR_PHISHING_RESISTANT
    assert claims["amr"] == ["pwd", "otp", "swk", "hwk", "user", "mfa"]
    assert violations(page) == []
