"""The AVG pages in Chromium (issue 17): "Privacy" from the footer of the login page, and
"Mijn gegevens" with its download, both without an axe violation, a sideways scroll on a phone
or a CSP violation."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import log_in
from tests.browser.test_passkeys import accessible, watched
from tests.browser.test_security_csp import violations

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "phone"]
)
def test_the_privacy_page_is_in_every_footer_and_reads_well(page, viewport):
    page = watched(page)
    page.set_viewport_size(viewport)
    page.goto("/inloggen/")
    page.get_by_role("contentinfo").get_by_role("link", name="Privacy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy")
    expect(page.get_by_role("heading", name="Uw rechten")).to_be_visible()
    expect(page.get_by_role("heading", name="Controle door de helpdesk")).to_be_visible()
    accessible(page)
    assert violations(page) == []


def test_a_person_sees_and_downloads_their_data(page, person):
    page = watched(page)
    log_in(page, person)
    expect(page).to_have_url(re.compile(r"/portaal/$"))
    page.goto("/mijn-account/")
    page.get_by_role("link", name="Mijn gegevens").click()
    expect(page.get_by_role("heading", level=2, name="Wat wij over u bewaren")).to_be_visible()
    expect(page.get_by_text(person.email).first).to_be_visible()
    accessible(page)
    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Download als JSON").click()
    data = json.loads(downloaded.value.path().read_text())
    assert data["account"]["email"] == person.email
    assert violations(page) == []
