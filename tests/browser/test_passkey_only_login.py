"""'Inloggen met passkey' in Chromium (issue 16): a person who registered a passkey logs in
with it alone, from the e-mail field's autofill or the login page's button; no password, no
code, no CSP violation.

Chromium's virtual authenticator answers an autofill request (conditional mediation) at once,
where a person would pick the passkey from the field's list; the button is tested in a browser
without passkey autofill (as some still are), which the script must handle too."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.conftest import NO_PASSKEY_AUTOFILL, virtual_authenticator
from tests.browser.test_passkeys import accessible, register_with_key, watched
from tests.browser.test_security_csp import violations
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.browser


def verified(user: User) -> User:
    User.objects.filter(pk=user.pk).update(identity_verified_at=timezone.now())
    return user


def test_the_browser_offers_the_passkey_in_the_email_field(page, passkeys):
    page = watched(page)
    virtual_authenticator(page, transport="internal")  # the computer's own passkey
    user = verified(register_with_key(page, passkeys))
    page.context.clear_cookies()  # the next morning, say: no session

    page.goto("/inloggen/")  # the passkey chosen from the autofill: no click, no typing
    expect(page).to_have_url(re.compile(r"/portaal/$"))
    logins = AuditEvent.objects.filter(event="login.succeeded", subject=user)
    assert [login.details.get("passwordless") for login in logins] == [True]
    assert violations(page) == []


def test_a_passkey_alone_logs_in_with_the_button(page, passkeys):
    page = watched(page)
    page.add_init_script(NO_PASSKEY_AUTOFILL)
    virtual_authenticator(page, transport="internal")
    user = verified(register_with_key(page, passkeys))
    page.get_by_role("button", name="Uitloggen").first.click()

    page.goto("/inloggen/")
    section = page.locator("#passkey-login")
    expect(section).to_be_visible()  # the browser can use passkeys: the script shows it
    accessible(page)
    page.get_by_role("button", name="Inloggen met passkey").click()

    expect(page).to_have_url(re.compile(r"/portaal/$"))
    expect(page.get_by_role("heading", name="Diensten")).to_be_visible()
    login = AuditEvent.objects.get(event="login.succeeded", subject=user)
    assert login.details["passwordless"] is True
    assert violations(page) == []


def test_a_failed_passkey_says_so_and_the_password_still_works(page, passkeys):
    page = watched(page)
    page.add_init_script(NO_PASSKEY_AUTOFILL)
    key = virtual_authenticator(page, transport="internal")
    user = verified(register_with_key(page, passkeys))
    page.get_by_role("button", name="Uitloggen").first.click()

    page.goto("/inloggen/")
    key.set_user_verified(False)  # the fingerprint is not recognised
    page.get_by_role("button", name="Inloggen met passkey").click()
    expect(page.locator("#webauthn-cancelled")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/inloggen/$"))
    assert not AuditEvent.objects.filter(event="login.succeeded", subject=user).exists()

    expect(page.locator("#id_email")).to_be_editable()
    expect(page.get_by_role("button", name="Volgende")).to_be_enabled()
    assert violations(page) == []


def test_opening_the_login_page_shows_no_passkey_error(page, passkeys):
    """No passkey in this browser: the autofill offers none, and says nothing about it."""
    page.goto("/inloggen/")
    expect(page.locator("#passkey-login")).to_be_visible()
    expect(page.locator("#webauthn-cancelled")).to_be_hidden()
    expect(page.locator("#id_email")).to_be_focused()
