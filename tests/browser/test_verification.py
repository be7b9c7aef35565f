"""Helpdesk verification in a real browser: a person and an agent chat, side by side."""

import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from accounts.models import User
from tests.conftest import GOOD_PASSWORD, give_app, totp_now

pytestmark = pytest.mark.browser


@pytest.fixture
def contexts(browser, live_server, transactional_db):
    """Two separate browsers' worth of cookies: the person's and the agent's."""
    made = [browser.new_context(base_url=live_server.url, locale="nl-NL") for _ in range(2)]
    for context in made:
        context.set_default_timeout(10_000)
    yield made
    for context in made:
        context.close()


def log_in(page, user):
    """The real login pages, with the code the person's app shows now."""
    page.goto("/inloggen/")
    page.get_by_label("Vul uw gebruikersnaam of e-mailadres in").fill(user.email)
    page.get_by_label("Vul uw wachtwoord in").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Volgende").click()
    page.get_by_label("Code", exact=True).fill(totp_now(user.app))
    page.get_by_role("button", name="Volgende").click()


def test_a_person_gives_the_code_in_the_chat_and_moves_on_to_the_portal(contexts, person, settings):
    settings.HELPDESK_OPENING_HOURS = "mon-sun 00:00-24:00"
    settings.HELPDESK_HOLIDAYS = ""
    person.identity_verified_at = None
    person.save(update_fields=["identity_verified_at"])
    agent = User.objects.create_user(
        "sanne@topicus.example", GOOD_PASSWORD, is_staff=True, first_name="Sanne"
    )
    agent.user_permissions.add(
        Permission.objects.get(codename="helpdesk", content_type__app_label="verification")
    )
    agent.served_organisations.add(person.organisation)
    give_app(agent)
    anna, sanne = (context.new_page() for context in contexts)

    log_in(anna, person)
    expect(anna).to_have_title("Verificatie – ZorgPortaal")
    expect(anna.get_by_role("heading", level=1)).to_contain_text(
        "Welkom op het Topicus Zorgportaal"
    )
    code = anna.locator(".verification-code").inner_text().strip()
    assert re.fullmatch(r"[0-9]{4}", code)
    anna.get_by_role("button", name="Klik hier om de chat te starten").click()
    expect(anna.get_by_role("heading", level=1)).to_have_text("Chat met de helpdesk")
    anna.get_by_label("Uw bericht").fill(f"Goedemiddag, mijn code is {code}")
    anna.get_by_role("button", name="Versturen").click()
    chat = anna.get_by_role("log")
    expect(chat).to_contain_text(f"Goedemiddag, mijn code is {code}")
    expect(anna.get_by_label("Uw bericht")).to_have_value("")

    log_in(sanne, agent)
    sanne.goto("/helpdesk/")
    expect(sanne.get_by_role("heading", name="1 wachtend gesprek")).to_be_visible()
    sanne.get_by_role("button", name=re.compile("^Overnemen")).click()
    expect(sanne.get_by_role("heading", level=1)).to_have_text("Gesprek met Anna de Vries")
    expect(sanne.get_by_role("log")).to_contain_text(f"mijn code is {code}")

    expect(chat).to_contain_text("Sanne van de helpdesk helpt u verder.")
    sanne.get_by_label("Uw bericht").fill("Dank u, ik controleer uw code.")
    sanne.get_by_role("button", name="Versturen").click()
    expect(chat).to_contain_text("Dank u, ik controleer uw code.")

    sanne.get_by_label("Verificatiecode die de persoon noemt").fill(code)
    sanne.get_by_role("button", name="Verifiëren", exact=True).click()
    expect(sanne.get_by_text("Anna de Vries is geverifieerd.")).to_be_visible()

    expect(anna).to_have_url(re.compile(r"/portaal/$"))
    expect(anna.get_by_role("heading", name="Diensten")).to_be_visible()
