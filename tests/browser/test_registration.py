"""The registration journey in a real browser, as a person walks it."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.support import GOOD_PASSWORD, link_from_mail

pytestmark = pytest.mark.browser


def test_invitation_mail_to_choosing_a_factor(page, invite):
    invitation, _ = invite("browser.test@delinde.example")
    link = link_from_mail(mail.outbox[-1])

    page.goto(link)
    expect(page).to_have_title("Wachtwoord instellen – ZorgPortaal")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Account voor Topicus Zorgportaal instellen"
    )
    expect(page.get_by_label("E-mailadres")).to_have_value(invitation.email)
    expect(page.get_by_label("Voornaam")).to_have_value("Anna")
    expect(page.get_by_label("Achternaam")).not_to_be_editable()
    assert "/uitnodiging/" not in page.url

    page.get_by_label("Vul een wachtwoord in").fill(GOOD_PASSWORD)
    page.get_by_label("Vul het wachtwoord ter controle nogmaals in").fill("iets anders")
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_role("alert")).to_contain_text("De twee wachtwoorden zijn niet gelijk")

    page.get_by_label("Vul een wachtwoord in").fill(GOOD_PASSWORD)
    page.get_by_label("Vul het wachtwoord ter controle nogmaals in").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Volgende").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Authenticatiemiddel kiezen")
    expect(page.get_by_text("Stap 2 van 4")).to_be_visible()
    expect(page.get_by_role("link", name="Gebruik token")).to_be_visible()
    expect(page.get_by_role("link", name="Gebruik app")).to_be_visible()
