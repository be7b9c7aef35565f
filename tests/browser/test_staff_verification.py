"""The first helpdesk agent in a real browser: held on the verification page until an
administrator runs "Identiteit verifiëren (medewerkers)", whose page works under the CSP."""

import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.test_security_csp import COLLECT_VIOLATIONS, violations
from tests.browser.test_verification import log_in
from tests.conftest import GOOD_PASSWORD, give_app, totp_now
from tokens.models import AppDevice

pytestmark = pytest.mark.browser


@pytest.fixture
def contexts(browser, live_server, transactional_db):
    """The administrator's browser and the new agent's."""
    made = [browser.new_context(base_url=live_server.url, locale="nl-NL") for _ in range(2)]
    for context in made:
        context.set_default_timeout(10_000)
    yield made
    for context in made:
        context.close()


def test_an_administrator_frees_the_first_agent_who_then_reaches_the_console(contexts):
    administrator = give_app(User.objects.create_superuser("beheer@topicus.example", GOOD_PASSWORD))
    kees = User.objects.create_user(
        "kees@topicus.example",
        GOOD_PASSWORD,
        first_name="Kees",
        is_staff=True,
        serves_all_organisations=True,
    )
    kees.user_permissions.add(
        Permission.objects.get(codename="helpdesk", content_type__app_label="verification")
    )
    kees.app = AppDevice.objects.create(user=kees, name="Authenticator-app", confirmed=True)
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
        totp_now(administrator.app, offset_steps=1)
    )
    admin_page.get_by_role("button", name="Identiteit verifiëren").click()
    expect(
        admin_page.get_by_text("1 medewerker geverifieerd: kees@topicus.example")
    ).to_be_visible()
    assert violations(admin_page) == []

    agent_page.goto("/helpdesk/")
    expect(agent_page.get_by_role("heading", level=1)).to_have_text("Wachtrij")
