"""Who may see a service, asked of one loaded service without a query (single sign-on asks
it on every authorization): the same answer as the dashboard's query, never a stale one."""

import itertools

import pytest

from accounts.models import Organisation, Role, User
from portal.models import Service

pytestmark = pytest.mark.django_db


def fresh(service) -> Service:
    """The service as the next request loads it."""
    return Service.objects.get(pk=service.pk)


def test_one_service_answers_as_the_dashboards_query_does_for_every_audience():
    linde, elders = (
        Organisation.objects.create(name="De Linde"),
        Organisation.objects.create(name="Elders"),
    )
    assistent, apotheker = (
        Role.objects.create(name="Assistent"),
        Role.objects.create(name="Apotheker"),
    )
    people = [
        User(email=f"{n}@example.org", organisation=organisation, role=role)
        for n, (organisation, role) in enumerate(
            itertools.product([linde, elders, None], [assistent, apotheker, None])
        )
    ]
    for organisations, roles in itertools.product([[], [linde], [linde, elders]], repeat=2):
        roles = [{linde: assistent, elders: apotheker}[o] for o in roles]
        service = Service.objects.create(name="Dienst", url="https://d.example.org/")
        service.organisations.set(organisations)
        service.roles.set(roles)
        for person in people:
            expected = Service.objects.visible_to(person).filter(pk=service.pk).exists()
            assert fresh(service).visible_to(person) == expected, (organisations, roles, person)


def test_asking_again_costs_no_query(django_assert_num_queries):
    service = Service.objects.create(name="Dienst", url="https://d.example.org/")
    person = User(email="a@example.org")
    service.visible_to(person)
    with django_assert_num_queries(0):
        assert service.visible_to(person)


def test_a_change_from_the_services_side_is_seen_at_once():
    linde = Organisation.objects.create(name="De Linde")
    elders = Organisation.objects.create(name="Elders")
    anna = User(email="anna@example.org", organisation=linde)
    service = Service.objects.create(name="Dienst", url="https://d.example.org/")
    assert fresh(service).visible_to(anna)

    service.organisations.add(elders)
    assert not fresh(service).visible_to(anna)
    service.organisations.add(linde)
    assert fresh(service).visible_to(anna)
    service.organisations.remove(linde)
    assert not fresh(service).visible_to(anna)
    service.organisations.clear()
    assert fresh(service).visible_to(anna)


def test_a_change_from_the_organisations_or_roles_side_is_seen_at_once():
    linde = Organisation.objects.create(name="De Linde")
    assistent = Role.objects.create(name="Assistent")
    apotheker = Role.objects.create(name="Apotheker")
    anna = User(email="anna@example.org", organisation=linde, role=assistent)
    service = Service.objects.create(name="Dienst", url="https://d.example.org/")
    assert fresh(service).visible_to(anna)

    apotheker.service_set.add(service)
    assert not fresh(service).visible_to(anna)
    assistent.service_set.add(service)
    assert fresh(service).visible_to(anna)
    assistent.service_set.remove(service)
    assert not fresh(service).visible_to(anna)
    apotheker.service_set.clear()
    assert fresh(service).visible_to(anna)
