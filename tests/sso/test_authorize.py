"""The authorization code flow end to end, for the person the services may trust."""

import pytest
from django.test import Client

from tests.support import GOOD_PASSWORD, logged_in
from tokens.testing import device_code
from zorgportaal.models import AuditEvent

from .relying_party import RelyingParty

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(db):
    return RelyingParty.register()


def test_a_verified_person_signs_in_and_the_service_learns_who_and_how(person, service):
    browser = logged_in(person)

    tokens = service.sign_in(browser)

    claims = service.id_token_claims(browser, tokens["id_token"])
    assert claims["email"] == "anna.devries@delinde.example"
    assert claims["name"] == "Anna de Vries"
    assert claims["organisation"] == "Huisartsenpraktijk De Linde"
    assert claims["role"] == "Doktersassistent"
    assert claims["amr"] == ["pwd", "otp", "swk", "mfa"]
    assert claims["acr"] == "urn:zorgportaal:acr:helpdesk-verified"
    assert claims["identity_verified_at"] == int(person.identity_verified_at.timestamp())
    assert claims["sid"] == browser.session["login_id"]
    assert claims["auth_time"] == int(browser.session["login_at"])
    assert tokens["token_type"] == "Bearer"
    assert "refresh_token" in tokens


def test_the_authorization_response_names_the_issuer(person, service):
    browser = logged_in(person)

    params = service.callback(browser.get(service.authorize_url()))

    assert params["iss"] == "http://localhost:8000/oidc"
    assert params["state"] == service.state


def test_userinfo_gives_the_same_person_under_the_same_subject(person, service):
    browser = logged_in(person)
    tokens = service.sign_in(browser)
    claims = service.id_token_claims(browser, tokens["id_token"])

    info = (
        Client()
        .get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
        .json()
    )

    assert info["sub"] == claims["sub"]
    assert info["email"] == "anna.devries@delinde.example"


def test_each_service_knows_the_person_by_a_subject_of_its_own(person, service):
    other = RelyingParty.register("Acceptatie")
    browser = logged_in(person)

    first = service.id_token_claims(browser, service.sign_in(browser)["id_token"])
    again = service.id_token_claims(browser, service.sign_in(browser)["id_token"])
    elsewhere = other.id_token_claims(browser, other.sign_in(browser)["id_token"])

    assert first["sub"] == again["sub"]
    assert first["sub"] != elsewhere["sub"]
    assert str(person.pk) not in (first["sub"], elsewhere["sub"])


def test_without_the_profile_scope_no_name_leaves(person, service):
    browser = logged_in(person)

    tokens = service.sign_in(browser, scope="openid email")

    claims = service.id_token_claims(browser, tokens["id_token"])
    assert claims["email"] == "anna.devries@delinde.example"
    assert not {"name", "organisation", "role", "given_name"} & claims.keys()


def test_someone_not_logged_in_logs_in_first_and_comes_back_to_the_service(person, service):
    browser = Client()
    url = service.authorize_url()

    to_login = browser.get(url)
    assert to_login["Location"].startswith("/inloggen/?next=")
    browser.post(to_login["Location"], {"email": person.email, "password": GOOD_PASSWORD})
    after_code = browser.post(
        "/inloggen/code/", {"device": person.app.persistent_id, "code": device_code(person.app)}
    )

    assert after_code["Location"] == url
    params = service.callback(browser.get(url))
    assert service.exchange(browser, params["code"]).status_code == 200


def test_an_unverified_person_finishes_the_helpdesk_check_before_the_service(unverified, service):
    browser = logged_in(unverified)
    url = service.authorize_url()

    response = browser.get(url)

    assert response["Location"] == "/verificatie/"
    assert not AuditEvent.objects.filter(event="sso.authorized").exists()
    unverified.identity_verified_at = unverified.date_joined
    unverified.save()
    back = browser.get("/verificatie/")
    assert back["Location"] == url


def test_prompt_none_without_a_login_answers_login_required(service):
    response = Client().get(service.authorize_url(prompt="none"))

    params = service.callback(response)
    assert params["error"] == "login_required"
    assert params["state"] == service.state
    assert params["iss"] == "http://localhost:8000/oidc"


def test_prompt_none_for_an_unverified_person_answers_login_required(unverified, service):
    params = service.callback(logged_in(unverified).get(service.authorize_url(prompt="none")))

    assert params["error"] == "login_required"


def test_prompt_none_with_a_login_signs_in_without_a_page(person, service):
    params = service.callback(logged_in(person).get(service.authorize_url(prompt="none")))

    assert "code" in params


def test_prompt_login_ends_the_session_and_asks_for_a_fresh_login(person, service):
    browser = logged_in(person)

    response = browser.get(service.authorize_url(prompt="login"))

    assert response["Location"].startswith("/inloggen/?next=")
    assert "prompt" not in response["Location"]
    assert browser.get("/portaal/")["Location"].startswith("/inloggen/")


def test_max_age_older_than_the_login_asks_for_a_fresh_login(person, service, clock):
    browser = logged_in(person)
    clock.shift(120)

    response = browser.get(service.authorize_url(max_age="60"))

    assert response["Location"].startswith("/inloggen/?next=")
    assert "max_age" not in response["Location"]


def test_max_age_within_the_login_signs_in(person, service, clock):
    browser = logged_in(person)
    clock.shift(30)

    params = service.callback(browser.get(service.authorize_url(max_age="60")))

    assert "code" in params


def test_prompt_none_with_a_too_old_login_answers_login_required(person, service, clock):
    browser = logged_in(person)
    clock.shift(120)

    params = service.callback(browser.get(service.authorize_url(prompt="none", max_age="60")))

    assert params["error"] == "login_required"
