"""Helpdesk verification in a real browser: a person and an agent chat, side by side."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import CHAT_RELOAD_TIMEOUT, log_in

pytestmark = pytest.mark.browser


def test_a_person_gives_the_code_in_the_chat_and_moves_on_to_the_portal(
    contexts, unverified, agent, open_helpdesk
):
    person = unverified
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

    expect(anna).to_have_url(re.compile(r"/portaal/$"), timeout=CHAT_RELOAD_TIMEOUT)  # chat.js
    expect(anna.get_by_role("heading", name="Diensten")).to_be_visible()
