"""The first helpdesk agent in a real browser: held on the verification page until an
administrator runs "Identiteit verifiëren (medewerkers)", whose page works under the CSP."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import log_in
from tests.browser.test_security_csp import COLLECT_VIOLATIONS, violations
from tests.support import make_agent
from tokens.testing import device_code

pytestmark = pytest.mark.browser


def test_an_administrator_frees_the_first_agent_who_then_reaches_the_console(
    contexts, administrator
):
    kees = make_agent("kees@topicus.example", "Kees", verified=False)  # as made in the admin
    admin_page, agent_page = (context.new_page() for context in contexts)
    admin_page.add_init_script(COLLECT_VIOLATIONS)

    log_in(agent_page, kees)
    expect(agent_page).to_have_url(re.compile("/verificatie/$"))
    expect(agent_page.get_by_text("Vraag een beheerder uw account te verifiëren.")).to_be_visible()

    log_in(admin_page, administrator)
    admin_page.goto("/admin/accounts/user/")
    admin_page.locator(f'input.action-select[value="{kees.pk}"]').check()
    admin_page.locator("select[name=action]").select_option(
        label="Identiteit verifiëren (medewerkers)"
    )
    admin_page.locator("button[name=index]").click()
    expect(admin_page.get_by_role("heading", level=1)).to_have_text(
        "Identiteit verifiëren (medewerkers)"
    )
    expect(admin_page.get_by_label("Reden")).to_be_focused()
    admin_page.get_by_label("Reden").fill("Persoonlijk gesproken, legitimatie gezien")
    admin_page.get_by_label("Code van uw eigen authenticatiemiddel").fill(
        device_code(administrator.app, drift=1)
    )
    admin_page.get_by_role("button", name="Identiteit verifiëren").click()
    expect(
        admin_page.get_by_text("1 medewerker geverifieerd: kees@topicus.example")
    ).to_be_visible()
    assert violations(admin_page) == []

    agent_page.goto("/helpdesk/")
    expect(agent_page.get_by_role("heading", level=1)).to_have_text("Wachtrij")
