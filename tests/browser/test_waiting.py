"""Waiting for the helpdesk in a real browser: the verification page moves on by itself after a
phone verification, and the chat shows the place in the queue, updated without a reload."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.journeys import CHAT_RELOAD_TIMEOUT, log_in
from tests.support import GOOD_PASSWORD
from verification import services

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_verification_page_moves_on_after_the_helpdesk_verified_by_phone(
    browser, live_server, transactional_db, unverified, agent, open_helpdesk, viewport
):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", viewport=viewport)
    context.set_default_timeout(10_000)
    console = browser.new_context(base_url=live_server.url, locale="nl-NL")
    console.set_default_timeout(10_000)
    try:
        anna, sanne = context.new_page(), console.new_page()
        log_in(anna, unverified)
        expect(anna).to_have_title(re.compile("^Verificatie"))
        expect(anna.get_by_text("Dan gaat deze pagina daarna vanzelf verder.")).to_be_visible()
        code = anna.locator(".verification-code").inner_text().strip()

        log_in(sanne, agent)
        sanne.goto("/helpdesk/telefonisch/")
        sanne.locator("#id_email").fill(unverified.email)
        sanne.locator("#id_code").fill(code)
        sanne.get_by_role("button", name="Opzoeken").click()
        sanne.get_by_role("button", name="Verifiëren", exact=True).click()
        expect(sanne.get_by_text("Anna de Vries is geverifieerd.")).to_be_visible()

        # No reload, no click: verification.js sees the gate send it on.
        expect(anna).to_have_url(re.compile(r"/portaal/$"), timeout=CHAT_RELOAD_TIMEOUT)
        expect(anna.get_by_role("heading", name="Diensten")).to_be_visible()
    finally:
        context.close()
        console.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_chat_shows_the_place_in_the_queue_and_updates_it(
    browser, live_server, transactional_db, unverified, agent, organisation, open_helpdesk, viewport
):
    bram = User.objects.create_user(
        "bram@delinde.example", GOOD_PASSWORD, first_name="Bram", organisation=organisation
    )
    ahead = services.conversation_start(person=bram, request=None)
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", viewport=viewport)
    context.set_default_timeout(10_000)
    try:
        anna = context.new_page()
        log_in(anna, unverified)
        anna.get_by_role("button", name="Klik hier om de chat te starten").click()
        queue = anna.get_by_role("status").filter(has_text="wachtrij")
        expect(queue).to_contain_text("U bent nummer 2 in de wachtrij.")
        expect(queue).to_be_in_viewport()

        services.conversation_take(conversation_id=ahead.pk, agent=agent, request=None)

        # chat.js swaps the new place in; the page is not reloaded (the typed text stays).
        anna.get_by_label("Uw bericht").fill("Ik wacht nog even")
        expect(queue).to_contain_text(
            "U bent nummer 1 in de wachtrij.", timeout=CHAT_RELOAD_TIMEOUT
        )
        expect(anna.get_by_label("Uw bericht")).to_have_value("Ik wacht nog even")

        mine = services.conversation_start(person=unverified, request=None)
        services.conversation_take(conversation_id=mine.pk, agent=agent, request=None)
        expect(anna.get_by_role("log")).to_contain_text(
            "Sanne van de helpdesk helpt u verder.", timeout=CHAT_RELOAD_TIMEOUT
        )
        expect(anna.locator("#chat-queue")).to_have_text("")
    finally:
        context.close()
