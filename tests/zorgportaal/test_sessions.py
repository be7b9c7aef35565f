"""Session lifetimes, and the first administrator's forced enrolment (SPEC 8b)."""

import time

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import User
from tests.support import GOOD_PASSWORD, log_in

pytestmark = pytest.mark.django_db


def test_an_idle_session_ends_after_thirty_minutes(client, person):
    log_in(client, person)
    with time_machine.travel(time.time() + 29 * 60):
        assert client.get("/portaal/").status_code == 200
    with time_machine.travel(time.time() + 29 * 60 + 29 * 60):
        assert client.get("/portaal/").status_code == 200  # activity keeps it alive
    with time_machine.travel(time.time() + 29 * 60 + 29 * 60 + 31 * 60):
        response = client.get("/portaal/")
    assert response["Location"].startswith("/inloggen/")


def test_a_session_ends_after_twelve_hours_however_active(client, person):
    log_in(client, person)
    start = time.time()
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + minutes * 60):
            assert client.get("/portaal/").status_code == 200
    with time_machine.travel(start + 12 * 3600 + 60):
        assert client.get("/portaal/")["Location"].startswith("/inloggen/")


def test_the_session_cookie_is_httponly_lax_and_secure(client, person):
    response = log_in(client, person)
    cookie = response.cookies["__Host-sessionid"]  # the __Host- prefix when DEBUG is off
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"]


def test_the_first_administrator_binds_a_factor_before_anything_else(client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", GOOD_PASSWORD)
    call_command("createsuperuser", "--noinput", "--email", "beheer@topicus.example")
    admin = User.objects.get()
    assert admin.is_superuser
    assert admin.is_identity_verified
    response = client.post("/inloggen/", {"email": admin.email, "password": GOOD_PASSWORD})
    assert client.get(response["Location"], follow=True).redirect_chain[-1][0] == (
        "/registreren/authenticatiemiddel/"
    )
    for url in ["/admin/", "/portaal/", "/mijn-account/", "/inloggen/code/", "/verificatie/"]:
        assert client.get(url)["Location"] == "/registreren/authenticatiemiddel/"
    page = client.get("/registreren/authenticatiemiddel/").content.decode()
    assert "Authenticatiemiddel kiezen" in page
    assert client.post("/registreren/opnieuw/")["Location"] == "/registreren/authenticatiemiddel/"
