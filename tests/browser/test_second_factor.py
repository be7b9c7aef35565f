"""Binding an authenticator app or a hardware token in a real browser (SPEC 4a, 4b, 5)."""

from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.journeys import wait_until_codes_are_checked
from tests.support import GOOD_PASSWORD, link_from_mail
from tokens.testing import code_for, seed_of

pytestmark = pytest.mark.browser

SAMPLE_CSV = Path(__file__).parent.parent / "csv_corpus" / "azure-tokens-example.csv"


def register_password(page, invite, address):
    invite(address)
    page.goto(link_from_mail(mail.outbox[-1]))
    page.get_by_label("Vul een wachtwoord in").fill(GOOD_PASSWORD)
    page.get_by_label("Vul het wachtwoord ter controle nogmaals in").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Authenticatiemiddel kiezen")


def test_app_path_from_invitation_to_account_created(page, invite):
    register_password(page, invite, "app.pad@delinde.example")
    page.get_by_role("link", name="Gebruik app").click()

    expect(page).to_have_title("App instellen – ZorgPortaal")
    expect(page.get_by_text("Stap 3 van 4")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    page.get_by_text("Android", exact=True).click()
    expect(page.get_by_role("link", name="Google Authenticator")).to_be_visible()

    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Code uit de app").fill("000000")
    page.get_by_role("button", name="Bevestig").click()
    expect(page.get_by_role("alert")).to_contain_text("Deze code klopt niet")
    assert page.locator("code.secret").inner_text() == secret  # the same secret after a mistake
    wait_until_codes_are_checked("app.pad@delinde.example")  # a wrong code: 1 s before the next

    page.get_by_label("Code uit de app").fill(code_for(seed_of(secret)))
    page.get_by_role("button", name="Bevestig").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account succesvol aangemaakt")
    expect(page.get_by_text("Stap 4 van 4")).to_be_visible()
    expect(page.get_by_role("link", name="Doorgaan naar ZorgPortaal")).to_be_visible()


def test_token_path_with_a_csv_upload(page, invite):
    register_password(page, invite, "token.pad@delinde.example")
    page.get_by_role("link", name="Gebruik token").click()
    expect(page).to_have_title("Token instellen – ZorgPortaal")

    page.get_by_label("Azure CSV-bestand").set_input_files(str(SAMPLE_CSV))
    page.get_by_role("button", name="Upload CSV").click()
    expect(
        page.get_by_text("De CSV is succesvol ge-upload, u kunt de token nu koppelen")
    ).to_be_visible()

    # serial 1000000102 is the 60-second token of the sample file
    secret = seed_of("ZI2U6JIOQ7ZE6RJM2UGASMDWZ34VJHKE")
    page.get_by_label("Serienummer").fill("1000000102")
    wrong = f"{(int(code_for(secret, step=60)) + 1) % 1_000_000:06d}"
    page.get_by_label("Code", exact=True).fill(wrong)
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_role("alert")).to_be_visible()  # one wrong try: no wait before the next

    code = code_for(secret, step=60)
    page.get_by_label("Serienummer").fill("1000000102")
    page.get_by_label("Code", exact=True).fill(f"{code[:3]} {code[3:]}")
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account succesvol aangemaakt")
