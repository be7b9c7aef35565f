"""The dashboard (manual 2.7): the services a person sees, the last login, few queries."""

import pytest
import time_machine

from accounts.models import Organisation, Role
from portal.models import Service
from tests.support import log_in

pytestmark = pytest.mark.django_db


def test_the_dashboard_shows_the_login_before_this_one(client, person):
    with time_machine.travel("2026-11-08 10:15:00+00:00"):
        log_in(client, person)
        client.post("/uitloggen/")
    log_in(client, person)
    page = client.get("/portaal/").content.decode()
    assert "Laatste inlog: 08-11-2026 11:15" in page


def test_a_first_login_says_so(client, person):
    log_in(client, person)
    assert "dit is uw eerste inlog" in client.get("/portaal/").content.decode()


def test_services_show_for_everyone_or_for_the_persons_organisation_and_role(client, person):
    elsewhere = Organisation.objects.create(name="Elders")
    other_role = Role.objects.create(name="Apotheker")
    Service.objects.create(name="Voor iedereen", url="https://a.example.org/")
    mine = Service.objects.create(name="Voor De Linde", url="https://b.example.org/")
    mine.organisations.add(person.organisation)
    theirs = Service.objects.create(name="Voor Elders", url="https://c.example.org/")
    theirs.organisations.add(elsewhere)
    role_only = Service.objects.create(name="Voor apothekers", url="https://d.example.org/")
    role_only.roles.add(other_role)
    log_in(client, person)
    page = client.get("/portaal/").content.decode()
    assert "Voor iedereen" in page
    assert "Voor De Linde" in page
    assert "Voor Elders" not in page
    assert "Voor apothekers" not in page


def test_the_dashboard_needs_few_queries_however_many_services(
    client, person, django_assert_max_num_queries
):
    log_in(client, person)
    with django_assert_max_num_queries(8) as first:
        client.get("/portaal/")
    for n in range(30):
        service = Service.objects.create(name=f"Dienst {n}", url="https://x.example.org/")
        service.organisations.add(person.organisation)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/portaal/")


def test_a_service_with_single_sign_on_is_one_click_from_the_tile(client, person):
    Service.objects.create(
        name="Calculus VIPLive",
        url="https://dienst.example.org/start?x=1",
        initiate_login_uri="https://dienst.example.org/oidc/start",
    )
    Service.objects.create(name="Gewone link", url="https://elders.example.org/")
    log_in(client, person)

    page = client.get("/portaal/").content.decode()

    assert (
        'href="https://dienst.example.org/oidc/start?iss=http%3A%2F%2Flocalhost%3A8000%2Foidc'
        '&amp;target_link_uri=https%3A%2F%2Fdienst.example.org%2Fstart%3Fx%3D1"'
    ) in page
    assert 'href="https://elders.example.org/"' in page
