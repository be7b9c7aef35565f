"""The token endpoint and what hangs off it: PKCE, single-use codes, rotating refresh tokens,
revocation and introspection (RFC 6749, 7636, 7009, 7662; RFC 9700)."""

import pytest
from django.test import Client

from tests.support import logged_in
from zorgportaal.models import AuditEvent

from .relying_party import RelyingParty, pkce_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(db):
    return RelyingParty.register()


@pytest.fixture
def browser(person):
    return logged_in(person)


def userinfo(access_token):
    return Client().get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access_token}")


def test_a_request_without_pkce_is_refused(browser, service):
    url = service.authorize_url(code_challenge=None, code_challenge_method=None)

    params = service.callback(browser.get(url))

    assert params["error"] == "invalid_request"
    assert "code" not in params


def test_the_plain_pkce_method_is_refused(browser, service):
    url = service.authorize_url(code_challenge="a" * 43, code_challenge_method="plain")

    params = service.callback(browser.get(url))

    assert params["error"] == "invalid_request"


def test_a_code_with_the_wrong_verifier_gives_nothing(browser, service):
    params = service.callback(browser.get(service.authorize_url()))
    wrong_verifier, _ = pkce_pair()

    response = service.exchange(Client(), params["code"], verifier=wrong_verifier)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_code_is_exchanged_once_and_a_replay_revokes_what_it_gave(browser, service):
    params = service.callback(browser.get(service.authorize_url()))
    first = service.exchange(Client(), params["code"]).json()
    assert userinfo(first["access_token"]).status_code == 200

    replay = service.exchange(Client(), params["code"])

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert userinfo(first["access_token"]).status_code == 401
    assert service.refresh(Client(), first["refresh_token"]).status_code == 400
    event = AuditEvent.objects.get(event="sso.code_replayed")
    assert event.subject_email == "anna.devries@delinde.example"
    assert params["code"] not in str(event.details)


def test_a_code_expires_after_a_minute(browser, service, clock):
    params = service.callback(browser.get(service.authorize_url()))
    clock.shift(61)

    response = service.exchange(Client(), params["code"])

    assert response.status_code == 400


def test_an_unregistered_redirect_uri_is_never_redirected_to(browser, service):
    url = service.authorize_url(redirect_uri="https://dienst.example.org/oidc/callback/evil")

    response = browser.get(url)

    assert response.status_code == 400
    assert "Inloggen bij de dienst is niet gelukt" in response.content.decode()


def test_the_exchange_needs_the_same_redirect_uri(browser, service):
    params = service.callback(browser.get(service.authorize_url()))

    response = service.exchange(
        Client(), params["code"], redirect_uri="https://dienst.example.org/elders"
    )

    assert response.status_code == 400


def test_a_wrong_client_secret_gets_no_token(browser, service):
    params = service.callback(browser.get(service.authorize_url()))
    service.client_secret = "geraden"

    response = service.exchange(Client(), params["code"])

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_implicit_flow_and_password_grant_are_refused(browser, service, person):
    implicit = service.callback(browser.get(service.authorize_url(response_type="id_token token")))
    password = Client().post(
        "/oidc/token/",
        {"grant_type": "password", "username": person.email, "password": "x"},
        HTTP_AUTHORIZATION=service.basic_auth(),
    )

    assert implicit["error"] in ("unsupported_response_type", "unauthorized_client")
    assert password.status_code in (400, 401)
    assert "access_token" not in password.json()


def test_a_refresh_token_rotates_and_keeps_the_login_facts(browser, service):
    first = service.sign_in(browser)
    login = service.id_token_claims(browser, first["id_token"])

    second = service.refresh(Client(), first["refresh_token"]).json()

    assert second["refresh_token"] != first["refresh_token"]
    refreshed = service.id_token_claims(browser, second["id_token"])
    assert (refreshed["sid"], refreshed["auth_time"], refreshed["amr"]) == (
        login["sid"],
        login["auth_time"],
        login["amr"],
    )
    assert userinfo(second["access_token"]).status_code == 200


def test_a_reused_refresh_token_revokes_its_whole_family(browser, service):
    first = service.sign_in(browser)
    second = service.refresh(Client(), first["refresh_token"]).json()

    reuse = service.refresh(Client(), first["refresh_token"])

    assert reuse.status_code == 400
    assert service.refresh(Client(), second["refresh_token"]).status_code == 400
    assert userinfo(second["access_token"]).status_code == 401


def introspect(service, token, **kwargs):
    return Client().post(
        "/oidc/introspect/", {"token": token}, HTTP_AUTHORIZATION=service.basic_auth(), **kwargs
    )


def test_introspection_names_the_person_by_the_services_own_subject(browser, service):
    tokens = service.sign_in(browser)
    sub = service.id_token_claims(browser, tokens["id_token"])["sub"]

    answer = introspect(service, tokens["access_token"]).json()

    assert answer["active"] is True
    assert answer["sub"] == sub
    assert answer["client_id"] == service.client_id
    assert "anna" not in str(answer)


def test_introspection_of_a_revoked_token_says_inactive(browser, service):
    tokens = service.sign_in(browser)

    revoked = Client().post(
        "/oidc/revoke/",
        {"token": tokens["access_token"]},
        HTTP_AUTHORIZATION=service.basic_auth(),
    )

    assert revoked.status_code == 200
    assert introspect(service, tokens["access_token"]).json() == {"active": False}


def test_another_service_cannot_introspect_a_token_not_issued_to_it(browser, service):
    other = RelyingParty.register("Acceptatie")
    tokens = service.sign_in(browser)

    assert introspect(other, tokens["access_token"]).json() == {"active": False}


def test_introspection_needs_the_services_secret_and_a_post(browser, service):
    tokens = service.sign_in(browser)
    service.client_secret = "geraden"

    assert introspect(service, tokens["access_token"]).status_code == 401
    assert Client().get("/oidc/introspect/", {"token": "x"}).status_code == 405


def test_discovery_describes_the_provider_as_it_is():
    config = Client().get("/oidc/.well-known/openid-configuration").json()

    assert config["issuer"] == "http://localhost:8000/oidc"
    assert config["response_types_supported"] == ["code"]
    assert config["subject_types_supported"] == ["pairwise"]
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["authorization_endpoint"].endswith("/oidc/authorize/")
    assert config["jwks_uri"].endswith("/oidc/.well-known/jwks.json")


def test_the_trail_notes_tokens_issued_and_revoked_but_never_a_token(browser, service):
    tokens = service.sign_in(browser)
    service.refresh(Client(), tokens["refresh_token"])
    Client().post(
        "/oidc/revoke/", {"token": tokens["access_token"]}, HTTP_AUTHORIZATION=service.basic_auth()
    )

    issued = AuditEvent.objects.filter(event="sso.tokens_issued").order_by("id")
    assert [e.details["grant_type"] for e in issued] == ["authorization_code", "refresh_token"]
    assert issued[0].subject_email == "anna.devries@delinde.example"
    assert AuditEvent.objects.filter(event="sso.token_revoked").count() == 1
    trail = str(list(AuditEvent.objects.values_list("details", flat=True)))
    for secret in (tokens["access_token"], tokens["refresh_token"], service.client_secret):
        assert secret not in trail


def test_guessing_a_services_secret_makes_the_address_wait(browser, service, clock):
    params = service.callback(browser.get(service.authorize_url()))
    right, service.client_secret = service.client_secret, "geraden"
    for _ in range(20):
        assert service.exchange(Client(), params["code"]).status_code == 401

    service.client_secret = right
    blocked = service.exchange(Client(), params["code"])  # even with the right secret

    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert AuditEvent.objects.filter(event="sso.client_authentication_failed").count() == 20
    assert AuditEvent.objects.filter(event="sso.client_authentication_refused").count() == 1
    clock.shift(61)
    fresh = service.callback(browser.get(service.authorize_url()))
    assert service.exchange(Client(), fresh["code"]).status_code == 200
