"""The administrator's own factor in "Identiteit verifiëren (medewerkers)" when it is a passkey
or security key only (issue 16): the key is asked instead of a code, and checked like the
login's key step (this session's single-use challenge, throttled, audited)."""

import pytest
from django.utils import timezone
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import User
from tests.support import GOOD_PASSWORD, SoftKey, log_in, make_agent, options_of, text
from tokens.models import AppDevice
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"
ACTION = "verify_staff_identity"
REASON = "Persoonlijk gesproken op kantoor, legitimatie gezien"


@pytest.fixture
def enabled(settings):
    settings.PASSKEYS_ENABLED = True


@pytest.fixture
def new_agent():
    return make_agent("kees@topicus.example", "Kees", last_name="Smit", verified=False)


@pytest.fixture
def key_only_admin(enabled, client, administrator):
    """The administrator added a key in Mijn account, then lost the app: (client, key)."""
    User.objects.filter(pk=administrator.pk).update(identity_verified_at=timezone.now())
    log_in(client, administrator)
    key = SoftKey()
    options = options_of(client.get("/mijn-account/sleutel/"))
    added = client.post(
        "/mijn-account/sleutel/", {"name": "Beheersleutel", "credential": key.register(options)}
    )
    assert added["Location"] == "/mijn-account/"
    AppDevice.objects.filter(user=administrator).delete()
    client.post("/uitloggen/")
    client.post("/inloggen/", {"email": administrator.email, "password": GOOD_PASSWORD})
    options = options_of(client.get("/inloggen/sleutel/"))
    assert (
        client.post("/inloggen/sleutel/", {"credential": key.assert_(options)}).status_code == 302
    )
    return client, key


def choose(client, *accounts):
    return client.post(
        USERS, {"action": ACTION, "index": 0, "_selected_action": [a.pk for a in accounts]}
    )


def confirm(client, *accounts, credential):
    return client.post(
        USERS,
        {
            "action": ACTION,
            "post": "yes",
            "_selected_action": [a.pk for a in accounts],
            "reason": REASON,
            "credential": credential,
        },
    )


def test_a_key_only_administrator_is_asked_for_the_key(key_only_admin, new_agent):
    client, key = key_only_admin
    page = choose(client, new_agent)
    assert 'data-webauthn="get"' in text(page)
    assert 'name="code"' not in text(page)
    response = confirm(client, new_agent, credential=key.assert_(options_of(page)))
    assert response.status_code == 302
    new_agent.refresh_from_db()
    assert new_agent.identity_verified_at is not None
    step_up = AuditEvent.objects.filter(event="stepup.succeeded").latest("pk")
    assert step_up.details["factor"] == "webauthn"


def test_a_key_the_administrator_does_not_have_verifies_no_one(key_only_admin, new_agent):
    client, _ = key_only_admin
    page = choose(client, new_agent)
    response = confirm(client, new_agent, credential=SoftKey().assert_(options_of(page)))
    assert response.status_code == 400
    assert "niet geaccepteerd" in text(response)
    new_agent.refresh_from_db()
    assert new_agent.identity_verified_at is None


def test_no_answer_from_the_browser_verifies_no_one(key_only_admin, new_agent):
    client, _ = key_only_admin
    choose(client, new_agent)
    response = confirm(client, new_agent, credential="")
    assert response.status_code == 400
    assert "Uw browser heeft geen antwoord van een sleutel doorgegeven" in text(response)
    new_agent.refresh_from_db()
    assert new_agent.identity_verified_at is None


def test_switched_off_a_key_verifies_no_one(key_only_admin, new_agent, settings):
    client, key = key_only_admin
    page = choose(client, new_agent)
    settings.PASSKEYS_ENABLED = False
    response = confirm(client, new_agent, credential=key.assert_(options_of(page)))
    assert response.status_code == 400
    new_agent.refresh_from_db()
    assert new_agent.identity_verified_at is None
    assert WebAuthnCredential.objects.exists()


def test_an_administrator_with_an_app_still_gives_a_code(enabled, admin_client, new_agent):
    page = text(choose(admin_client, new_agent))
    assert 'name="code"' in page
    assert "data-webauthn" not in page
