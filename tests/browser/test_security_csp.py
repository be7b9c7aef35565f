"""The Content-Security-Policy in a real browser: nothing on the site or in the admin is
blocked, the admin's own scripts run, and the QR code (inline SVG markup) shows."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.test_login import log_in
from tests.support import GOOD_PASSWORD, give_app
from zorgportaal import audit

pytestmark = pytest.mark.browser

COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || ""));
});
"""


def violations(page) -> list[str]:
    return page.evaluate("window.__csp || []")


@pytest.fixture
def watched(page):
    """The page, with every CSP violation and console error written down."""
    page.add_init_script(COLLECT_VIOLATIONS)
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    return page


def visit(page, path):
    page.goto(path)
    assert violations(page) == [], path
    assert not [e for e in page.console_errors if "Content Security Policy" in e], path


def test_the_admin_works_under_the_policy(watched, db):
    page = watched
    admin = give_app(User.objects.create_superuser("beheer@topicus.example", GOOD_PASSWORD))
    for event in ["login.failed", "logout", "password.changed"]:
        audit.record(event, subject_email="anna@delinde.example")
    log_in(page, admin.email, GOOD_PASSWORD, admin.app)
    expect(page).to_have_url(re.compile("/portaal/$"))

    visit(page, "/admin/")
    visit(page, "/admin/zorgportaal/auditevent/")
    rows = page.locator("input.action-select").count()
    assert rows >= 3
    page.locator("#action-toggle").check()  # actions.js: "select all"
    expect(page.locator("input.action-select:checked")).to_have_count(rows)
    expect(page.locator(".action-counter")).to_contain_text(str(rows))
    page.locator("nav.toplinks a").first.click()  # the date hierarchy (no JavaScript)
    expect(page).to_have_url(re.compile(r"created_at__"))
    assert violations(page) == []
    page.get_by_role("searchbox", name=re.compile("betreft account")).fill("anna@delinde.example")
    page.get_by_role("searchbox", name=re.compile("betreft account")).press("Enter")
    expect(page).to_have_url(re.compile("account=anna%40delinde.example"))

    visit(page, "/admin/portal/service/add/")
    expect(page.locator(".selector-available").first).to_be_visible()  # SelectFilter2 ran
    visit(page, "/admin/accounts/invitation/uitnodigen/")
    visit(page, "/admin/accounts/user/")
    visit(page, f"/admin/accounts/user/{admin.pk}/change/")
    assert violations(page) == []


def test_the_qr_code_and_the_pages_of_a_new_account_work_under_the_policy(watched, invite):
    page = watched
    _invitation, link = invite()
    page.goto(link)
    assert violations(page) == []
    page.get_by_label("Vul een wachtwoord in").fill(GOOD_PASSWORD)
    page.get_by_label("Vul het wachtwoord ter controle nogmaals in").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Volgende").click()
    visit(page, "/registreren/authenticatiemiddel/")
    visit(page, "/registreren/app/")
    expect(page.locator("svg.qr-code")).to_be_visible()
    visit(page, "/registreren/token/")
    assert violations(page) == []
