"""The rough edges of issue 15 (points 8 to 12) in Chromium, at desktop and at phone size:
Back after a form error, "Wachtwoord tonen", naming and removing an authenticator, the CSV's
problems where they can be read, and a quick retry after one wrong code."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.browser.journeys import BAD_CSV
from tests.support import GOOD_PASSWORD, link_from_mail
from tokens.models import AppDevice
from tokens.testing import device_code

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}


@pytest.fixture(params=list(SIZES))
def sized_page(request, browser, live_server, transactional_db) -> Page:
    context = browser.new_context(
        base_url=live_server.url, locale="nl-NL", viewport=SIZES[request.param]
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def wrong(device) -> str:
    return f"{(int(device_code(device)) + 1) % 1_000_000:06d}"


def to_code_step(page: Page, person) -> None:
    page.goto("/inloggen/")
    page.get_by_label("Vul uw gebruikersnaam of e-mailadres in").fill(person.email)
    page.get_by_label("Vul uw wachtwoord in").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Volgende").click()
    expect(page).to_have_url(re.compile("/inloggen/code/$"))


def go_back_without_posting(page: Page) -> None:
    """Back, as a person presses it: the entry must be a GET. A POST entry would show Chromium's
    "Confirm Form Resubmission" (ERR_CACHE_MISS: our pages are never cached); under automation
    Chromium posts the form again instead, without asking, so a repeated POST is the sign."""
    methods = []
    page.on("request", lambda request: methods.append(request.method))
    page.go_back()
    page.wait_for_load_state()
    assert "POST" not in methods, methods
    assert not page.url.startswith("chrome-error:"), page.url
    expect(page.locator("header.topbar .brand")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


# 8 and 12: a wrong code, the right one at once, then Back


def test_back_after_a_wrong_code_and_the_right_one_shows_a_page(sized_page, person):
    page = sized_page
    to_code_step(page, person)
    page.get_by_label("Code").fill(wrong(person.app))
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_role("alert")).to_contain_text("Deze code klopt niet")
    # The first retry is checked at once: no "too often", no wait.
    page.get_by_label("Code").fill(device_code(person.app))
    page.get_by_role("button", name="Volgende").click()
    expect(page).to_have_url(re.compile("/portaal/$"))

    go_back_without_posting(page)
    expect(page).to_have_url(re.compile("/portaal/$"))  # the code step is done: the gate says so


def test_back_after_a_password_mistake_in_registration_shows_a_page(page, invite):
    invite("terug@delinde.example")
    page.goto(link_from_mail(mail.outbox[-1]))
    page.get_by_label("Vul een wachtwoord in").fill(GOOD_PASSWORD)
    page.get_by_label("Vul het wachtwoord ter controle nogmaals in").fill("iets anders")
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Vul een wachtwoord in").fill(GOOD_PASSWORD)
    page.get_by_label("Vul het wachtwoord ter controle nogmaals in").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Authenticatiemiddel kiezen")

    go_back_without_posting(page)


# 11: "Wachtwoord tonen"


def test_the_password_can_be_shown_and_hidden_with_the_keyboard(sized_page, person):
    page = sized_page
    page.goto("/inloggen/")
    field = page.get_by_label("Vul uw wachtwoord in")
    toggle = page.get_by_role("checkbox", name="Wachtwoord tonen")
    expect(toggle).to_be_visible()
    field.fill(GOOD_PASSWORD)
    expect(field).to_have_attribute("type", "password")
    field.focus()
    page.keyboard.press("Tab")
    expect(toggle).to_be_focused()
    page.keyboard.press("Space")
    expect(toggle).to_be_checked()
    expect(field).to_have_attribute("type", "text")
    expect(field).to_have_value(GOOD_PASSWORD)
    page.keyboard.press("Space")
    expect(field).to_have_attribute("type", "password")

    toggle.check()
    page.get_by_label("Vul uw gebruikersnaam of e-mailadres in").fill(person.email)
    with page.expect_navigation():
        page.get_by_role("button", name="Volgende").click()
    expect(page).to_have_url(re.compile("/inloggen/code/$"))


def test_without_a_script_there_is_no_toggle_that_would_do_nothing(browser, live_server, db):
    context = browser.new_context(
        base_url=live_server.url, locale="nl-NL", java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/inloggen/")
    expect(page.get_by_label("Vul uw wachtwoord in")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Wachtwoord tonen")).to_have_count(0)
    context.close()


# 9: naming and removing an authenticator


def log_in_fully(page: Page, person, device=None) -> None:
    to_code_step(page, person)
    if device is not None and page.get_by_role("radio").count():
        page.get_by_role("radio", name=device.name).check()
    page.get_by_label("Code").fill(device_code(device or person.app))
    page.get_by_role("button", name="Volgende").click()
    expect(page).to_have_url(re.compile("/portaal/$"))


def test_removing_another_authenticator_asks_first_and_keeps_the_session(sized_page, person):
    AppDevice.objects.create(user=person, name="Werktelefoon", confirmed=True)
    page = sized_page
    log_in_fully(page, person)
    page.goto("/mijn-account/")
    page.get_by_role("link", name="Verwijder Werktelefoon").click()
    expect(page.get_by_role("heading", name="Authenticatiemiddel verwijderen")).to_be_visible()
    expect(page.get_by_text("U blijft ingelogd en gaat terug naar Mijn account.")).to_be_visible()
    page.get_by_role("link", name="Annuleren").click()
    expect(page.get_by_text("Werktelefoon", exact=True)).to_be_visible()

    page.get_by_role("link", name="Verwijder Werktelefoon").click()
    page.get_by_role("button", name="Ja, verwijderen").click()
    expect(page.get_by_text("Het authenticatiemiddel is verwijderd.")).to_be_visible()
    expect(page.get_by_role("heading", name="Gekoppelde authenticatiemiddelen")).to_be_visible()
    assert not AppDevice.objects.filter(name="Werktelefoon").exists()


def test_removing_the_authenticator_of_this_login_says_what_happens_and_returns(sized_page, person):
    spare = AppDevice.objects.create(user=person, name="Werktelefoon", confirmed=True)
    page = sized_page
    log_in_fully(page, person)
    page.goto("/mijn-account/")
    page.get_by_role("link", name="Verwijder Authenticator-app").click()
    expect(page.get_by_text("U bent nu met dit authenticatiemiddel ingelogd.")).to_be_visible()
    expect(page.locator("#what-happens-next")).to_contain_text(
        "U logt daarna opnieuw in met uw andere authenticatiemiddel, Werktelefoon"
    )
    page.get_by_role("button", name="Ja, verwijderen").click()
    expect(page).to_have_url(re.compile("/inloggen/code/$"))
    notice = page.get_by_text("U logt nu opnieuw in met uw andere authenticatiemiddel")
    expect(notice).to_be_visible()
    page.get_by_label("Code").fill(device_code(spare))
    page.get_by_role("button", name="Volgende").click()
    expect(page).to_have_url(re.compile("/mijn-account/$"))
    expect(page.get_by_text("(gebruikt voor deze sessie)")).to_be_visible()


def test_a_person_names_an_authenticator_without_a_script(browser, live_server, person):
    context = browser.new_context(
        base_url=live_server.url, locale="nl-NL", java_script_enabled=False
    )
    page = context.new_page()
    log_in_fully(page, person)
    page.goto("/mijn-account/")
    page.get_by_role("link", name="Naam wijzigen van Authenticator-app").click()
    page.get_by_label("Naam").fill("iPhone van Anna")
    page.get_by_role("button", name="Naam opslaan").click()
    expect(page.get_by_text("De naam is opgeslagen.")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("^iPhone van Anna"))).to_be_visible()
    context.close()


# 10: the CSV's problems in the main column, the file field's text whole


def test_the_csv_problems_are_in_the_main_column_and_the_file_field_text_is_whole(
    sized_page, invite
):
    page = sized_page
    invite("csv@delinde.example")
    page.goto(link_from_mail(mail.outbox[-1]))
    page.get_by_label("Vul een wachtwoord in").fill(GOOD_PASSWORD)
    page.get_by_label("Vul het wachtwoord ter controle nogmaals in").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Volgende").click()
    page.get_by_role("link", name="Gebruik token").click()

    file_field = page.get_by_label("Azure CSV-bestand")
    button, text = file_field.evaluate(
        """field => {
            const style = getComputedStyle(field, "::file-selector-button");
            return [style.display, field.getBoundingClientRect().width];
        }"""
    )
    assert button == "block"  # the button on its own line: the text beside it has the width
    assert text > 150
    file_field.set_input_files(BAD_CSV)
    page.get_by_role("button", name="Upload CSV").click()

    problems = page.locator("main .csv-problems li")
    expect(problems.first).to_be_visible()
    expect(page.locator("aside .csv-problems")).to_have_count(0)
    main_width = page.locator("main").bounding_box()["width"]
    assert page.locator("main .csv-problems").bounding_box()["width"] > main_width * 0.7
    expect(page.locator("aside")).to_contain_text("Niet ge-upload: zie de problemen")
    page.get_by_role("link", name="Naar het bestandsveld").click()
    expect(file_field).to_be_focused()
