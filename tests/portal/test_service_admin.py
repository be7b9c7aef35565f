"""The servicedesk registers a service as an OpenID Connect client in the admin: addresses
checked, the secret shown once and stored hashed, rotation, and every change in the trail."""

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.test import Client
from oauth2_provider.models import Application

from portal.management.commands.load_demo_service import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from portal.models import Service
from tests.sso.relying_party import REDIRECT_URI, RelyingParty
from tests.support import logged_in, text
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db
SERVICES = "/admin/portal/service/"


def service_form(**fields):
    return {
        "name": "Calculus VIPLive",
        "description": "",
        "url": "https://dienst.example.org/",
        "icon": "chart",
        "order": "0",
        "redirect_uris": REDIRECT_URI,
        "post_logout_redirect_uris": "",
        "initiate_login_uri": "https://dienst.example.org/oidc/start",
        "backchannel_logout_uri": "",
        **fields,
    }


def test_a_new_client_shows_its_secret_once_and_keeps_only_a_hash(admin_client):
    response = admin_client.post(f"{SERVICES}add/", service_form())

    secret = response.context["client_secret"]
    application = Service.objects.get().application
    assert secret in text(response) and application.client_id in text(response)
    assert application.client_secret != secret
    assert check_password(secret, application.client_secret)
    assert application.redirect_uris == REDIRECT_URI
    assert application.authorization_grant_type == "authorization-code"
    assert application.algorithm == "RS256"
    page = admin_client.get(f"{SERVICES}{application.service.pk}/change/")
    assert secret not in text(page) and application.client_id in text(page)
    event = AuditEvent.objects.get(event="service.created")
    assert event.details["changes"]["redirect_uris"] == [REDIRECT_URI]
    assert secret not in str(event.details)


def test_a_service_without_redirect_addresses_is_only_a_tile(admin_client):
    response = admin_client.post(f"{SERVICES}add/", service_form(redirect_uris=""))

    assert response.status_code == 302
    assert Service.objects.get().application is None
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "address",
    ["dienst.example.org/cb", "ftp://dienst.example.org/cb", "https://dienst.example.org/cb#x"],
)
def test_an_address_a_service_cannot_use_is_refused_in_dutch(admin_client, address):
    response = admin_client.post(f"{SERVICES}add/", service_form(redirect_uris=address))

    assert response.status_code == 200
    assert address in text(response)
    assert not Service.objects.exists()


def test_rotating_the_secret_shows_the_new_one_and_the_old_stops_working(admin_client, person):
    service = RelyingParty.register()
    old = service.client_secret

    response = admin_client.post(f"{SERVICES}{service.service.pk}/clientgeheim/")

    service.client_secret = response.context["client_secret"]
    assert service.client_secret != old
    assert AuditEvent.objects.filter(event="sso.client_secret_rotated").exists()
    browser = logged_in(person)
    params = service.callback(browser.get(service.authorize_url()))
    service.client_secret, new = old, service.client_secret
    assert service.exchange(Client(), params["code"]).status_code == 401
    service.client_secret = new
    assert service.exchange(Client(), params["code"]).status_code == 200


def test_rotating_needs_a_post(admin_client):
    service = RelyingParty.register()

    assert admin_client.get(f"{SERVICES}{service.service.pk}/clientgeheim/").status_code == 405


def test_changing_addresses_keeps_the_client_and_is_audited(admin_client):
    service = RelyingParty.register()
    other = "https://dienst.example.org/oidc/callback2"

    admin_client.post(
        f"{SERVICES}{service.service.pk}/change/",
        service_form(redirect_uris=f"{REDIRECT_URI}\n{other}"),
    )

    application = Application.objects.get()
    assert application.client_id == service.client_id
    assert application.redirect_uris.split() == [REDIRECT_URI, other]
    changes = AuditEvent.objects.get(event="service.changed").details["changes"]
    assert changes["redirect_uris"] == [REDIRECT_URI, other]


def test_deleting_a_service_deletes_its_client_and_is_audited(admin_client):
    service = RelyingParty.register()

    admin_client.post(f"{SERVICES}{service.service.pk}/delete/", {"post": "yes"})

    assert not Application.objects.exists()
    assert AuditEvent.objects.filter(event="service.deleted").exists()


def test_the_service_list_asks_the_database_a_fixed_number_of_times(
    admin_client, django_assert_max_num_queries
):
    for n in range(3):
        RelyingParty.register(f"Dienst {n}")
    admin_client.get(SERVICES)

    for n in range(3, 30):
        RelyingParty.register(f"Dienst {n}")
    with django_assert_max_num_queries(12):
        admin_client.get(SERVICES)


def test_the_back_channel_and_login_addresses_must_be_web_addresses(admin_client):
    response = admin_client.post(
        f"{SERVICES}add/",
        service_form(backchannel_logout_uri="ftp://dienst.example.org/uit"),
    )

    assert response.status_code == 200
    assert "ftp://dienst.example.org/uit is geen volledig adres" in text(response)
    assert not Service.objects.exists()


def test_the_demo_service_is_loaded_only_for_development(settings):
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo_service")
    settings.DEBUG = True
    call_command("load_demo_service")
    call_command("load_demo_service")  # again: the same service, the same client

    service = Service.objects.get()
    assert service.application.client_id == DEMO_CLIENT_ID
    assert check_password(DEMO_CLIENT_SECRET, service.application.client_secret)
    assert service.application.redirect_uris == "http://localhost:8001/oidc/callback"
    assert service.tile_url.startswith("http://localhost:8001/oidc/start?iss=")
