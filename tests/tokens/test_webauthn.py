"""Passkeys and security keys (issue 16, first slice): set up during registration, used as the
login's second step, behind PASSKEYS_ENABLED; the ceremonies' checks (origin, relying-party
ID, single-use and short-lived challenge, user verification) and the audit trail.

The authenticator here is a software one (an EC P-256 key, "none" attestation), so the server
checks real signatures; the browser test (tests/browser/test_passkeys.py) uses Chromium's.
"""

import pytest
import time_machine
from django_otp import devices_for_user
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import User
from tests.support import AT, GOOD_PASSWORD, UP, SoftKey, b64url, options_of, text
from tests.support import WEBAUTHN_ORIGIN as ORIGIN
from tokens import services as token_services
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

CHOOSE_URL = "/registreren/authenticatiemiddel/"
SETUP_URL = "/registreren/sleutel/"
CODE_URL = "/inloggen/code/"
KEY_URL = "/inloggen/sleutel/"


def events(name):
    return AuditEvent.objects.filter(event=name)


@pytest.fixture
def enabled(settings):
    settings.PASSKEYS_ENABLED = True


def register_key(client, key: SoftKey, name="YubiKey blauw"):
    options = options_of(client.get(SETUP_URL))
    return client.post(SETUP_URL, {"name": name, "credential": key.register(options)})


@pytest.fixture
def key_holder(enabled, registered_client):
    """Anna registered with a security key only, then logged out: (user, key)."""
    key = SoftKey()
    assert register_key(registered_client, key)["Location"] == "/registreren/klaar/"
    registered_client.post("/uitloggen/")
    return User.objects.get(pk=registered_client.user.pk), key


def password_step(client, user):
    return client.post("/inloggen/", {"email": user.email, "password": GOOD_PASSWORD})


# Behind the setting


def test_switched_off_there_is_no_third_choice_and_no_page(registered_client, client, settings):
    settings.PASSKEYS_ENABLED = False
    assert "beveiligingssleutel" not in text(registered_client.get(CHOOSE_URL)).lower()
    assert registered_client.get(SETUP_URL).status_code == 404
    assert not WebAuthnCredential.objects.exists()


def test_switched_off_a_person_with_a_key_is_not_offered_it(key_holder, client, settings):
    user, _ = key_holder
    settings.PASSKEYS_ENABLED = False
    password_step(client, user)
    assert client.get(CODE_URL).status_code == 200
    assert client.get(KEY_URL).status_code == 404


# Registration


def test_the_third_choice_leads_to_the_set_up_page(enabled, registered_client):
    choose = text(registered_client.get(CHOOSE_URL))
    assert "Gebruik een beveiligingssleutel of passkey" in choose
    page = registered_client.get(SETUP_URL)
    assert "Beveiligingssleutel instellen" in text(page)
    options = options_of(page)
    assert options["rp"] == {"id": "portaal.example.nl", "name": "ZorgPortaal"}
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["user"]["name"] == registered_client.user.email


def test_a_registered_key_is_the_factor_and_the_journey_goes_on(enabled, registered_client):
    response = register_key(registered_client, SoftKey(), name="  YubiKey   blauw ")
    assert response["Location"] == "/registreren/klaar/"
    device = WebAuthnCredential.objects.get(user=registered_client.user)
    assert (device.name, device.confirmed) == ("YubiKey blauw", True)
    assert list(devices_for_user(registered_client.user, confirmed=True)) == [device]
    assert "Account succesvol aangemaakt" in text(registered_client.get("/registreren/klaar/"))
    assert registered_client.get("/portaal/")["Location"] == "/verificatie/"  # the helpdesk next
    registered = events("webauthn.registered").get()
    assert registered.details["device"] == device.persistent_id
    assert registered.details["name"] == "YubiKey blauw"


def test_an_empty_name_gets_the_default(enabled, registered_client):
    register_key(registered_client, SoftKey(), name="")
    assert WebAuthnCredential.objects.get().name == "Beveiligingssleutel"


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ({"origin": "https://portaal.example.nl.evil.example"}, "InvalidRegistrationResponse"),
        ({"rp_id": "evil.example"}, "InvalidRegistrationResponse"),
        ({"flags": UP | AT}, "InvalidRegistrationResponse"),  # no user verification
    ],
    ids=["wrong origin", "wrong relying-party ID", "user verification missing"],
)
def test_a_key_answer_that_does_not_check_out_is_refused(enabled, registered_client, how, reason):
    options = options_of(registered_client.get(SETUP_URL))
    response = registered_client.post(
        SETUP_URL, {"name": "x", "credential": SoftKey().register(options, **how)}
    )
    assert response.status_code == 200
    assert "niet geaccepteerd" in text(response)
    assert not WebAuthnCredential.objects.exists()
    failed = events("webauthn.failed").get()
    assert (failed.outcome, failed.details["reason"]) == ("failure", reason)
    assert registered_client.get("/portaal/")["Location"] == CHOOSE_URL


def test_a_challenge_answers_once(enabled, registered_client):
    options = options_of(registered_client.get(SETUP_URL))
    key = SoftKey()
    registered_client.post(
        SETUP_URL, {"credential": key.register(options, origin="https://elders.example")}
    )
    # The refusal's page holds a new challenge: the old one is gone, even for a good answer.
    replayed = registered_client.post(SETUP_URL, {"credential": key.register(options)})
    assert "niet geaccepteerd" in text(replayed)
    assert not WebAuthnCredential.objects.exists()
    assert events("webauthn.failed").count() == 2


def test_a_challenge_expires(enabled, registered_client, settings):
    with time_machine.travel(0, tick=False) as clock:
        options = options_of(registered_client.get(SETUP_URL))
        clock.shift(settings.OTP_WEBAUTHN_TIMEOUT_SECONDS + 1)
        late = registered_client.post(SETUP_URL, {"credential": SoftKey().register(options)})
    assert "Dat duurde te lang" in text(late)
    assert not WebAuthnCredential.objects.exists()
    assert events("webauthn.failed").get().details["reason"] == "challenge_expired"


def test_nothing_from_the_browser_is_no_key(enabled, registered_client):
    registered_client.get(SETUP_URL)
    response = registered_client.post(SETUP_URL, {"name": "x", "credential": ""})
    assert "geen antwoord van een sleutel" in text(response)
    assert not WebAuthnCredential.objects.exists()


# The gate: each page at its own stage only


@pytest.mark.parametrize("url", [SETUP_URL, KEY_URL])
def test_anonymous_visitors_are_sent_to_the_login(enabled, client, url):
    assert client.get(url)["Location"].startswith("/inloggen/?next=")
    assert client.post(url, {"credential": "{}"})["Location"].startswith("/inloggen/")


def test_the_set_up_page_waits_for_the_password(enabled, client, invite):
    _, link = invite()
    client.get(link)
    assert client.get(SETUP_URL)["Location"] == "/registreren/wachtwoord/"


def test_the_login_key_step_is_not_open_during_registration(enabled, registered_client):
    assert registered_client.get(KEY_URL)["Location"] == CHOOSE_URL


def test_a_person_with_a_key_cannot_add_one_at_the_login(key_holder, client):
    user, _ = key_holder
    password_step(client, user)
    assert client.get(SETUP_URL)["Location"] == CODE_URL
    assert not events("webauthn.registered").filter(details__name="tweede").exists()


# Logging in with the key


def test_after_the_password_the_key_is_offered_and_logs_in(key_holder, client):
    user, key = key_holder
    assert password_step(client, user)["Location"] == KEY_URL
    assert client.get(CODE_URL)["Location"] == KEY_URL  # the stage's home leads there too
    page = client.get(KEY_URL)
    assert "Inloggen met uw beveiligingssleutel" in text(page)
    assert "Gebruik in plaats daarvan uw app of token" not in text(page)
    options = options_of(page)
    assert options["userVerification"] == "required"
    assert [c["id"] for c in options["allowCredentials"]] == [b64url(key.credential_id)]
    response = client.post(KEY_URL, {"credential": key.assert_(options)})
    assert response["Location"] == "/portaal/"
    assert client.get("/portaal/")["Location"] == "/verificatie/"  # not yet verified
    login = events("login.succeeded").get()
    assert login.details["factor"] == "webauthn"
    assert events("webauthn.used").get().subject_id == user.pk
    assert WebAuthnCredential.objects.get().sign_count == 1


def test_a_key_the_account_does_not_know_is_refused(key_holder, client):
    user, _ = key_holder
    password_step(client, user)
    options = options_of(client.get(KEY_URL))
    response = client.post(KEY_URL, {"credential": SoftKey().assert_(options)})
    assert response.status_code == 200
    assert "niet geaccepteerd" in text(response)
    assert client.get("/portaal/")["Location"] == CODE_URL
    failed = events("webauthn.failed").get()
    assert (failed.subject_id, failed.details["reason"]) == (user.pk, "CredentialNotFound")


def test_another_persons_key_is_refused(key_holder, client, organisation):
    from tests.support import with_app

    _, key = key_holder
    other = with_app(
        User.objects.create_user("bram@delinde.example", GOOD_PASSWORD, organisation=organisation)
    )
    password_step(client, other)
    client.get(CODE_URL + "?met=code")
    options = {"challenge": options_of(client.get(KEY_URL))["challenge"], "rpId": ORIGIN[8:]}
    response = client.post(KEY_URL, {"credential": key.assert_(options)})
    assert "niet geaccepteerd" in text(response)
    assert events("webauthn.failed").get().details["reason"] == "CredentialUserMismatch"


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ({"origin": "https://phish.example"}, "InvalidAuthenticationResponse"),
        ({"rp_id": "phish.example"}, "InvalidAuthenticationResponse"),
        ({"flags": UP}, "InvalidAuthenticationResponse"),
        ({"count": 0}, "counter_regressed"),  # after 5: a cloned key's counter
    ],
    ids=["wrong origin", "wrong relying-party ID", "no user verification", "counter backwards"],
)
def test_a_login_answer_that_does_not_check_out_is_refused(key_holder, client, how, reason):
    user, key = key_holder
    WebAuthnCredential.objects.update(sign_count=5)
    key.sign_count = 5
    password_step(client, user)
    options = options_of(client.get(KEY_URL))
    response = client.post(KEY_URL, {"credential": key.assert_(options, **how)})
    assert "niet geaccepteerd" in text(response)
    assert client.get("/portaal/")["Location"] == CODE_URL
    assert events("webauthn.failed").get().details["reason"] == reason


def test_a_login_challenge_answers_once(key_holder, client):
    user, key = key_holder
    password_step(client, user)
    options = options_of(client.get(KEY_URL))
    answer = key.assert_(options)
    client.post(KEY_URL, {"credential": key.assert_(options, origin="https://phish.example")})
    replayed = client.post(KEY_URL, {"credential": answer})
    assert "niet geaccepteerd" in text(replayed)
    assert events("webauthn.failed").count() == 2
    assert client.get("/portaal/")["Location"] == CODE_URL


def test_failed_keys_are_throttled_with_the_codes(key_holder, client):
    user, key = key_holder
    password_step(client, user)
    for _ in range(12):
        options = options_of(client.get(KEY_URL))
        client.post(KEY_URL, {"credential": SoftKey().assert_(options)})
    options = options_of(client.get(KEY_URL))
    refused = client.post(KEY_URL, {"credential": key.assert_(options)})
    assert refused.status_code == 200
    assert client.get("/portaal/")["Location"] == CODE_URL
    assert events("login.throttled").filter(details__factor="webauthn").exists()


def test_a_person_with_an_app_too_may_use_it_instead(key_holder, client):
    from tests.support import give_app
    from tokens.testing import device_code

    user, _ = key_holder
    user = give_app(user)
    password_step(client, user)
    assert client.get(CODE_URL)["Location"] == KEY_URL
    assert "Gebruik in plaats daarvan uw app of token" in text(client.get(KEY_URL))
    code_page = client.get(CODE_URL + "?met=code")
    assert code_page.status_code == 200
    assert "YubiKey" not in text(code_page)  # a key takes no code
    response = client.post(
        CODE_URL + "?met=code", {"device": user.app.persistent_id, "code": device_code(user.app)}
    )
    assert response["Location"] == "/portaal/"


# The key is a factor like the others


def test_the_key_is_listed_and_removed_like_any_factor(key_holder):
    user, _ = key_holder
    (summary,) = token_services.device_list(user=user)
    assert (summary.name, summary.locked) == ("YubiKey blauw", False)
    device = WebAuthnCredential.objects.get()
    assert not token_services.device_remove(device)  # the last factor stays
    assert token_services.device_remove(device, last_factor_allowed=True)  # a helpdesk reset
    assert not WebAuthnCredential.objects.exists()
    assert events("device.removed").get().details["kind"] == "webauthncredential"


def test_a_code_form_never_offers_a_key(key_holder):
    from tests.support import give_app
    from tokens.forms import OneTimeCodeForm

    user = give_app(key_holder[0])
    form = OneTimeCodeForm(devices=list(devices_for_user(user, confirmed=True)))
    assert list(form.devices) == [user.app.persistent_id]


def test_a_helpdesk_reset_removes_keys_too(key_holder, agent, django_capture_on_commit_callbacks):
    from tests.support import give_app
    from verification import services as verification

    user = give_app(key_holder[0])
    code = verification.code_current(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        removed = verification.factors_reset(
            person=user, code=code, agent=agent, request=None, channel="phone"
        )
    assert removed == 2
    assert not list(devices_for_user(user, confirmed=None))
    user.refresh_from_db()
    assert user.identity_verified_at is None  # the next factor meets the helpdesk again
