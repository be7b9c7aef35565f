"""A service demands a phishing-resistant login with `acr_values` (issue 16): a login with a
code steps up to the person's key within the session; a login with a key, or a passkey alone,
already is one; a person without a key learns so, and the service gets
`unmet_authentication_requirements`."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from sso import assurance
from sso.assurance import ACR_HELPDESK_VERIFIED as HELPDESK
from sso.assurance import ACR_PHISHING_RESISTANT as PHISHING_RESISTANT
from tests.support import GOOD_PASSWORD, SoftKey, logged_in, options_of, text
from zorgportaal.models import AuditEvent

from .relying_party import RelyingParty

pytestmark = pytest.mark.django_db

STEP_UP_URL = "/oidc/sleutel/"


@pytest.fixture
def service(db):
    return RelyingParty.register()


@pytest.fixture
def with_key(person, settings):
    """Anna logged in with password and app code, who then added a security key: (browser,
    key)."""
    settings.PASSKEYS_ENABLED = True
    browser = logged_in(person)
    key = SoftKey()
    options = options_of(browser.get("/mijn-account/sleutel/"))
    added = browser.post(
        "/mijn-account/sleutel/", {"name": "YubiKey", "credential": key.register(options)}
    )
    assert added["Location"] == "/mijn-account/"
    return browser, key


def claims_of(service, browser, response) -> dict:
    code = service.callback(response)["code"]
    tokens = service.exchange(browser, code).json()
    return service.id_token_claims(browser, tokens["id_token"]) | {"_tokens": tokens}


def ask_key(service, browser):
    return browser.get(service.authorize_url(acr_values=PHISHING_RESISTANT))


def test_discovery_names_both_levels(client):
    config = client.get("/oidc/.well-known/openid-configuration").json()
    assert config["acr_values_supported"] == [PHISHING_RESISTANT, HELPDESK]


def test_without_acr_values_a_code_login_is_the_helpdesk_level(with_key, service):
    browser, _ = with_key
    claims = claims_of(service, browser, browser.get(service.authorize_url()))
    assert claims["acr"] == HELPDESK
    assert claims["amr"] == ["pwd", "otp", "swk", "mfa"]


def test_a_code_login_steps_up_to_the_key_and_the_service_gets_what_it_asked(with_key, service):
    browser, key = with_key
    asked = ask_key(service, browser)
    assert asked.status_code == 302
    assert urlsplit(asked["Location"]).path == STEP_UP_URL
    page = browser.get(asked["Location"])
    assert "Bevestig met uw beveiligingssleutel" in text(page)
    assert "<strong>Calculus VIPLive</strong> vraagt om een inlog met uw" in text(page)

    answered = browser.post(asked["Location"], {"credential": key.assert_(options_of(page))})
    back = answered["Location"]
    assert urlsplit(back).path == "/oidc/authorize/"
    claims = claims_of(service, browser, browser.get(back))
    assert claims["acr"] == PHISHING_RESISTANT
    assert claims["amr"] == ["pwd", "otp", "swk", "hwk", "user", "mfa"]
    events = AuditEvent.objects.values_list("event", flat=True)
    assert {"sso.step_up_required", "stepup.succeeded", "webauthn.used"} <= set(events)

    refreshed = service.refresh(browser, claims["_tokens"]["refresh_token"]).json()
    assert service.id_token_claims(browser, refreshed["id_token"])["acr"] == PHISHING_RESISTANT


def test_the_step_up_is_asked_once_per_login(with_key, service):
    browser, key = with_key
    asked = ask_key(service, browser)
    page = browser.get(asked["Location"])
    browser.post(asked["Location"], {"credential": key.assert_(options_of(page))})
    again = ask_key(service, browser)
    assert service.callback(again)["code"]


def test_a_wrong_key_does_not_step_up(with_key, service):
    browser, _ = with_key
    asked = ask_key(service, browser)
    page = browser.get(asked["Location"])
    refused = browser.post(asked["Location"], {"credential": SoftKey().assert_(options_of(page))})
    assert refused.status_code == 200
    assert "niet geaccepteerd" in text(refused)
    assert browser.session["login_methods"] == ["pwd", "otp", "swk", "mfa"]
    assert urlsplit(ask_key(service, browser)["Location"]).path == STEP_UP_URL


def test_a_service_accepting_either_level_needs_no_step_up(with_key, service):
    browser, _ = with_key
    response = browser.get(service.authorize_url(acr_values=f"{PHISHING_RESISTANT} {HELPDESK}"))
    assert claims_of(service, browser, response)["acr"] == HELPDESK


def test_levels_we_do_not_know_ask_nothing(with_key, service):
    browser, _ = with_key
    response = browser.get(service.authorize_url(acr_values="urn:elders:loa:4"))
    assert claims_of(service, browser, response)["acr"] == HELPDESK


def test_a_login_with_password_and_key_is_phishing_resistant_already(with_key, person, service):
    _, key = with_key
    browser = Client()
    browser.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    options = options_of(browser.get("/inloggen/sleutel/"))
    browser.post("/inloggen/sleutel/", {"credential": key.assert_(options)})
    claims = claims_of(service, browser, ask_key(service, browser))
    assert claims["acr"] == PHISHING_RESISTANT
    assert claims["amr"] == ["pwd", "hwk", "user", "mfa"]


def test_a_passkey_alone_is_phishing_resistant_without_a_password(with_key, service):
    _, key = with_key
    browser = Client()
    options = options_of(browser.get("/inloggen/"))
    browser.post("/inloggen/passkey/", {"credential": key.assert_(options, user_handle=None)})
    claims = claims_of(service, browser, ask_key(service, browser))
    assert claims["acr"] == PHISHING_RESISTANT
    assert claims["amr"] == ["hwk", "user", "mfa"]


def test_prompt_none_cannot_step_up(with_key, service):
    browser, _ = with_key
    response = browser.get(service.authorize_url(acr_values=PHISHING_RESISTANT, prompt="none"))
    params = service.callback(response)
    assert params["error"] == "login_required"
    assert params["state"] == service.state


def test_a_person_without_a_key_is_told_and_the_service_learns_why(person, service, settings):
    settings.PASSKEYS_ENABLED = True
    browser = logged_in(person)
    response = ask_key(service, browser)
    assert response.status_code == 403
    page = text(response)
    assert "Deze dienst vraagt een beveiligingssleutel" in page
    assert "Sleutel of passkey toevoegen" in page
    back = response.context["back_to_service"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    assert back.startswith(service.redirect_uri)
    assert params["error"] == "unmet_authentication_requirements"
    assert (params["state"], params["iss"]) == (service.state, "http://localhost:8000/oidc")


def test_an_organisation_without_keys_is_named_as_the_reason(person, service, settings):
    settings.PASSKEYS_ENABLED = True
    person.organisation.passkeys_allowed = False
    person.organisation.save()
    page = text(ask_key(service, logged_in(person)))
    assert "Uw organisatie staat passkeys en beveiligingssleutels niet toe" in page
    assert "Sleutel of passkey toevoegen" not in page


@pytest.mark.parametrize(
    "next_url",
    [
        "/mijn-account/",
        "https://elders.example/oidc/authorize/",
        "//elders.example/oidc/authorize/",
    ],
)
def test_the_step_up_leads_back_to_an_authorization_only(with_key, next_url):
    browser, _ = with_key
    assert browser.get(STEP_UP_URL, {"next": next_url})["Location"] == "/portaal/"


def test_the_step_up_page_is_for_logged_in_people_only(client):
    response = client.get(STEP_UP_URL, {"next": "/oidc/authorize/?client_id=x"})
    assert response["Location"].startswith("/inloggen/")


@pytest.mark.parametrize(
    ("methods", "phishing_resistant"),
    [
        (["pwd", "otp", "swk", "mfa"], False),  # an app's code
        (["pwd", "otp", "hwk", "mfa"], False),  # a hardware token's code: a key, yet phishable
        (["pwd", "hwk", "user", "mfa"], True),
        (["hwk", "user", "mfa"], True),
    ],
)
def test_only_a_webauthn_key_is_phishing_resistant(methods, phishing_resistant):
    assert assurance.phishing_resistant(methods) is phishing_resistant


def test_a_key_given_at_mijn_accounts_step_up_counts_for_the_login_too(with_key, service):
    browser, key = with_key
    page = browser.get("/mijn-account/bevestigen/")
    browser.post("/mijn-account/bevestigen/", {"credential": key.assert_(options_of(page))})
    claims = claims_of(service, browser, ask_key(service, browser))
    assert claims["acr"] == PHISHING_RESISTANT
