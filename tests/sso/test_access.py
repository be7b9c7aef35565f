"""Who gets a code for which service: organisation and role, consent for services of others."""

import pytest
from django.test import Client
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import Organisation, Role
from sso.models import Consent
from tests.support import logged_in, text
from tokens import webauthn
from zorgportaal.models import AuditEvent

from .relying_party import RelyingParty

pytestmark = pytest.mark.django_db


@pytest.fixture
def elsewhere(db):
    """A service only for another organisation."""
    service = RelyingParty.register("Alleen voor Elders")
    service.service.organisations.add(Organisation.objects.create(name="Elders"))
    return service


def test_a_person_of_another_organisation_sees_why_and_the_service_gets_access_denied(
    person, elsewhere
):
    browser = logged_in(person)

    response = browser.get(elsewhere.authorize_url())

    assert response.status_code == 403
    page = text(response)
    assert "Geen toegang tot deze dienst" in page
    assert (
        "Uw organisatie of rol geeft geen toegang tot <strong>Alleen voor Elders</strong>" in page
    )
    back = response.context["back_to_service"]
    assert back.startswith(elsewhere.redirect_uri + "?error=access_denied")
    assert f"state={elsewhere.state}" in back and "iss=" in back
    assert AuditEvent.objects.filter(event="sso.access_denied", outcome="failure").exists()


def test_a_role_the_service_is_not_for_is_refused(person):
    service = RelyingParty.register("Voor apothekers")
    service.service.roles.add(Role.objects.create(name="Apotheker"))

    assert logged_in(person).get(service.authorize_url()).status_code == 403


def test_prompt_none_for_a_refused_service_answers_access_denied(person, elsewhere):
    params = elsewhere.callback(logged_in(person).get(elsewhere.authorize_url(prompt="none")))

    assert params["error"] == "access_denied"


def test_a_client_without_a_service_on_the_dashboard_signs_no_one_in(person):
    service = RelyingParty.register()
    service.service.delete()  # its client goes with it

    response = logged_in(person).get(service.authorize_url())

    assert response.status_code == 400


@pytest.fixture
def partner(db):
    """A service of another party: the person agrees before anything is shared."""
    return RelyingParty.register("Partnerdienst", first_party=False)


def test_a_partner_service_asks_consent_naming_what_it_gets(person, partner):
    response = logged_in(person).get(partner.authorize_url(scope="openid email"))

    page = text(response)
    assert "Gegevens delen met Partnerdienst" in page
    assert "uw e-mailadres" in page
    assert "uw naam, organisatie en rol" not in page


def consent(browser, response, *, allow=True):
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields if name != "allow"}
    if allow:
        data["allow"] = "Authorize"
    return browser.post("/oidc/authorize/", data)


def test_consent_once_is_remembered_for_the_next_sign_in(person, partner):
    browser = logged_in(person)

    params = partner.callback(consent(browser, browser.get(partner.authorize_url())))
    again = partner.callback(browser.get(partner.authorize_url()))

    assert "code" in params and "code" in again
    assert Consent.objects.get(user=person).scopes == ["email", "openid", "profile"]
    assert AuditEvent.objects.filter(event="sso.consent_given").count() == 1


def test_consent_for_fewer_scopes_asks_again_for_more(person, partner):
    browser = logged_in(person)
    consent(browser, browser.get(partner.authorize_url(scope="openid")))

    response = browser.get(partner.authorize_url(scope="openid email"))

    assert response.status_code == 200
    assert "Gegevens delen met Partnerdienst" in text(response)


def test_refusing_consent_tells_the_service_access_denied(person, partner):
    browser = logged_in(person)

    params = partner.callback(consent(browser, browser.get(partner.authorize_url()), allow=False))

    assert params["error"] == "access_denied"
    assert params["iss"] == "http://localhost:8000/oidc"
    assert not Consent.objects.exists()


def test_prompt_none_without_consent_answers_consent_required(person, partner):
    params = partner.callback(logged_in(person).get(partner.authorize_url(prompt="none")))

    assert params["error"] == "consent_required"


def test_a_consent_form_posted_for_a_refused_service_issues_nothing(person, partner):
    browser = logged_in(person)
    response = browser.get(partner.authorize_url())
    partner.service.organisations.add(Organisation.objects.create(name="Elders"))

    refused = consent(browser, response)

    assert refused.status_code == 403
    assert not Consent.objects.exists()


def test_a_consent_form_posted_by_a_half_logged_in_session_is_forbidden(person, partner):
    browser = Client()
    browser.post("/inloggen/", {"email": person.email, "password": "x"})

    assert browser.post("/oidc/authorize/", {"client_id": partner.client_id}).status_code in (
        302,
        403,
    )


def test_a_login_with_a_security_key_says_so_in_amr(person):
    """RFC 8176: a hardware-protected key (`hwk`) with its user verified (`user`), never `otp`;
    a passkey alone names no password."""
    key = WebAuthnCredential(user=person, name="YubiKey", confirmed=True)
    assert webauthn.login_methods(key, password=True) == ["pwd", "hwk", "user", "mfa"]
    assert webauthn.login_methods(key, password=False) == ["hwk", "user", "mfa"]
    assert webauthn.login_methods(person.app, password=True) == ["pwd", "otp", "swk", "mfa"]
