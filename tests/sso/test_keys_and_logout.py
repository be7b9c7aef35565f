"""Signing keys that rotate without breaking a service, and logging out from a service."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from jwcrypto import jwk, jws

from accounts.models import User
from tests.support import GOOD_PASSWORD, logged_in, text, with_app
from zorgportaal.devkeys import new_signing_key
from zorgportaal.models import AuditEvent

from .relying_party import RelyingParty

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(db):
    return RelyingParty.register()


def kid_of(id_token: str) -> str:
    token = jws.JWS()
    token.deserialize(id_token)
    return json.loads(token.objects["protected"])["kid"]


def rotate(settings):
    """A new key signs; the old one stays published (README: Single sign-on, key rotation)."""
    old = settings.OIDC_SIGNING_KEY
    new = new_signing_key()
    settings.OIDC_SIGNING_KEY, settings.OIDC_PUBLISHED_KEYS = new, [old]
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": new,
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [old],
    }
    return jwk.JWK.from_pem(old.encode()).thumbprint(), jwk.JWK.from_pem(new.encode()).thumbprint()


def test_after_a_key_rotation_old_and_new_id_tokens_both_verify(person, service, settings):
    browser = logged_in(person)
    before = service.sign_in(browser)["id_token"]
    nonce_before = service.nonce

    old_kid, new_kid = rotate(settings)
    after = service.sign_in(browser)["id_token"]

    published = {key["kid"] for key in Client().get("/oidc/.well-known/jwks.json").json()["keys"]}
    assert published == {old_kid, new_kid}
    assert (kid_of(before), kid_of(after)) == (old_kid, new_kid)
    old_claims = service.id_token_claims(browser, before, nonce=nonce_before)
    assert old_claims["sub"] == service.id_token_claims(browser, after)["sub"]


def test_jwks_and_discovery_may_be_cached_by_services(service):
    keys = Client().get("/oidc/.well-known/jwks.json")

    assert "max-age=3600" in keys["Cache-Control"]
    assert all("d" not in key for key in keys.json()["keys"])  # no private part, ever


def logout_url(service, **parameters):
    query = {"post_logout_redirect_uri": "https://dienst.example.org/afgemeld", **parameters}
    return "/oidc/logout/?" + urlencode(query)


def test_a_service_logs_the_person_out_of_zorgportaal_with_its_id_token(person, service):
    browser = logged_in(person)
    tokens = service.sign_in(browser)

    response = browser.get(logout_url(service, id_token_hint=tokens["id_token"], state="xyz"))

    assert response["Location"] == "https://dienst.example.org/afgemeld?state=xyz"
    assert browser.get("/portaal/")["Location"].startswith("/inloggen/")
    assert service.refresh(Client(), tokens["refresh_token"]).status_code == 400
    assert AuditEvent.objects.filter(event="logout", subject_email=person.email).exists()


def test_an_id_token_from_before_a_key_rotation_still_logs_out(person, service, settings):
    browser = logged_in(person)
    tokens = service.sign_in(browser)
    rotate(settings)

    response = browser.get(logout_url(service, id_token_hint=tokens["id_token"]))

    assert response["Location"] == "https://dienst.example.org/afgemeld"


def test_without_proof_of_the_session_the_person_is_asked_first(person, service):
    browser = logged_in(person)

    page = browser.get(logout_url(service, client_id=service.client_id))

    assert page.status_code == 200
    assert "Calculus VIPLive</strong> vraagt u uit te loggen" in text(page)
    assert browser.get("/portaal/").status_code == 200


def test_an_unregistered_address_after_logout_is_refused(person, service):
    browser = logged_in(person)
    tokens = service.sign_in(browser)

    response = browser.get(
        logout_url(
            service,
            id_token_hint=tokens["id_token"],
            post_logout_redirect_uri="https://kwaadwillend.example/",
        )
    )

    assert response.status_code == 400
    assert "Uitloggen is niet gelukt" in text(response)
    assert browser.get("/portaal/").status_code == 200


def test_confirming_a_logout_with_someone_elses_id_token_ends_only_ones_own(
    person, service, organisation, role
):
    other = with_app(
        User.objects.create_user(
            "kees@delinde.example",
            GOOD_PASSWORD,
            organisation=organisation,
            role=role,
            identity_verified_at=person.identity_verified_at,
        )
    )
    their_tokens = service.sign_in(logged_in(other))
    browser = logged_in(person)
    page = browser.get(logout_url(service, id_token_hint=their_tokens["id_token"]))
    assert page.status_code == 200  # not this session's token: asked first

    data = {name: page.context["form"][name].value() or "" for name in page.context["form"].fields}
    browser.post("/oidc/logout/", {**data, "allow": "Logout"})

    assert browser.get("/portaal/")["Location"].startswith("/inloggen/")
    assert service.refresh(Client(), their_tokens["refresh_token"]).status_code == 200


def test_staying_logged_in_returns_to_the_portal(person, service):
    browser = logged_in(person)
    page = browser.get(logout_url(service, client_id=service.client_id))
    data = {name: page.context["form"][name].value() or "" for name in page.context["form"].fields}

    answer = browser.post("/oidc/logout/", data)  # "Ingelogd blijven": no `allow`

    assert answer["Location"] == "/portaal/"
    assert "U bent ingelogd gebleven." in text(browser.get("/portaal/"))
