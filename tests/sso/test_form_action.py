"""The pages whose form ends at a service allow that service, and only it, as form-action."""

import pytest
from django.test import Client

from tests.support import GOOD_PASSWORD, logged_in

from .relying_party import RelyingParty

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(db):
    return RelyingParty.register()


def form_action(response) -> str:
    directives = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    return directives["form-action"]


def test_the_login_on_the_way_to_a_service_may_end_there(person, service):
    browser = Client()
    to_login = browser.get(service.authorize_url())

    login_page = browser.get(to_login["Location"])
    browser.post(to_login["Location"], {"email": person.email, "password": GOOD_PASSWORD})
    code_page = browser.get("/inloggen/code/")

    assert form_action(login_page) == "'self' https://dienst.example.org"
    assert form_action(code_page) == "'self' https://dienst.example.org"


def test_the_consent_and_logout_pages_may_end_at_the_service(person):
    partner = RelyingParty.register("Partnerdienst", first_party=False)
    browser = logged_in(person)

    consent = browser.get(partner.authorize_url())
    logout = browser.get(
        "/oidc/logout/?post_logout_redirect_uri=https://dienst.example.org/afgemeld"
        f"&client_id={partner.client_id}"
    )

    assert form_action(consent) == "'self' https://dienst.example.org"
    assert form_action(logout) == "'self' https://dienst.example.org"


def test_an_unregistered_address_in_next_widens_nothing(service):
    url = service.authorize_url(redirect_uri="https://kwaadwillend.example/cb")

    page = Client().get("/inloggen/", {"next": url})

    assert form_action(page) == "'self'"


def test_pages_outside_a_sign_in_keep_form_action_self(person):
    assert form_action(logged_in(person).get("/mijn-account/")) == "'self'"
