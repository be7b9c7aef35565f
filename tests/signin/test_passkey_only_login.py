"""'Inloggen met passkey' (issue 16): a passkey with user verification in place of password and
code, from the login page. The attacker's moves first: a key no account knows, a key of someone
else's account, an answer for another site, a replayed or expired challenge, no user
verification, a cloned key, a blocked account, guessing from one address."""

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import User
from tests.support import GOOD_PASSWORD, UP, SoftKey, options_of, text
from zorgportaal import throttle
from zorgportaal.models import AuditEvent, LoginSession

pytestmark = pytest.mark.django_db

LOGIN_URL = "/inloggen/"
PASSKEY_URL = "/inloggen/passkey/"


def events(name):
    return AuditEvent.objects.filter(event=name)


@pytest.fixture
def holder(settings, registered_client):
    """Anna: registered with a passkey only, verified by the helpdesk, logged out: (user, key)."""
    settings.PASSKEYS_ENABLED = True
    key = SoftKey()
    options = options_of(registered_client.get("/registreren/sleutel/"))
    registered_client.post(
        "/registreren/sleutel/", {"name": "Laptop werk", "credential": key.register(options)}
    )
    registered_client.post("/uitloggen/")
    user = User.objects.get(pk=registered_client.user.pk)
    user.identity_verified_at = timezone.now()
    user.save(update_fields=["identity_verified_at"])
    return user, key


def answer(client, key, **how):
    """Open the login page and answer its passkey challenge with `key`."""
    options = options_of(client.get(LOGIN_URL))
    how.setdefault("user_handle", key.user_handle)
    return client.post(PASSKEY_URL, {"credential": key.assert_(options, **how)})


def logged_in(client) -> bool:
    return client.get("/portaal/").status_code == 200


def assert_refused(client, response, reason: str):
    assert response.status_code == 200
    assert "Uw beveiligingssleutel of passkey is niet geaccepteerd" in text(response)
    assert "Of log in met een passkey" in text(response)  # the page to try again
    assert not logged_in(client)
    assert events("webauthn.failed").get().details["reason"] == reason
    assert not events("login.succeeded").exists()


def test_switched_off_the_login_page_has_no_passkey_and_no_endpoint(client, settings):
    settings.PASSKEYS_ENABLED = False
    page = client.get(LOGIN_URL)
    assert "Inloggen met passkey" not in text(page)
    assert 'id="webauthn-options"' not in page.content.decode()
    assert client.post(PASSKEY_URL, {"credential": "{}"}).status_code == 404


def test_the_login_page_offers_a_passkey_naming_no_one(holder, client):
    page = client.get(LOGIN_URL)
    assert "Inloggen met passkey" in text(page)
    options = options_of(page)
    assert options["allowCredentials"] == []  # the page must not tell whose keys exist
    assert options["userVerification"] == "required"
    assert options["rpId"] == "portaal.example.nl"
    assert 'autocomplete="username webauthn"' in page.content.decode()


def test_a_passkey_alone_logs_in_as_password_and_code_would(holder, client):
    user, key = holder
    client.get(LOGIN_URL)
    anonymous_key = client.session.session_key
    response = answer(client, key)
    assert response["Location"] == "/portaal/"
    assert client.session.session_key != anonymous_key  # rotated at login
    assert logged_in(client)
    login = events("login.succeeded").get()
    assert (login.subject_id, login.details["passwordless"]) == (user.pk, True)
    assert events("webauthn.used").get().details["passwordless"] is True
    assert not events("login.password_accepted").exists()
    assert LoginSession.objects.filter(user=user, login_id=client.session["login_id"]).exists()
    assert client.session["login_methods"] == ["hwk", "user", "mfa"]
    assert WebAuthnCredential.objects.get().sign_count == 1


def test_the_page_asked_for_opens_after_the_passkey(holder, client):
    _, key = holder
    options = options_of(client.get(LOGIN_URL + "?next=/mijn-account/"))
    response = client.post(
        PASSKEY_URL,
        {"credential": key.assert_(options, user_handle=key.user_handle), "next": "/mijn-account/"},
    )
    assert response["Location"] == "/mijn-account/"


def test_a_person_not_yet_verified_goes_to_the_helpdesk(holder, client):
    user, key = holder
    User.objects.filter(pk=user.pk).update(identity_verified_at=None)
    answer(client, key)
    assert client.get("/portaal/")["Location"] == "/verificatie/"


def test_a_key_no_account_knows_is_refused_without_naming_anyone(holder, client):
    assert_refused(client, answer(client, SoftKey()), "unknown_credential")
    assert events("webauthn.failed").get().subject is None


def test_a_passkey_claiming_someone_elses_account_is_refused(holder, client, organisation):
    """The user handle is the account the authenticator thinks it logs in to; it must be the
    key's owner's."""
    _, key = holder
    someone_else = "c29tZW9uZS1lbHNl"
    assert_refused(client, answer(client, key, user_handle=someone_else), "user_handle_mismatch")


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
def test_an_answer_that_does_not_check_out_is_refused(holder, client, how, reason):
    _, key = holder
    WebAuthnCredential.objects.update(sign_count=5)
    key.sign_count = 5
    assert_refused(client, answer(client, key, **how), reason)


def test_a_cloned_key_is_audited_as_such(holder, client):
    user, key = holder
    WebAuthnCredential.objects.update(sign_count=5)
    answer(client, key, count=3)
    regressed = events("webauthn.counter_regressed").get()
    assert (regressed.subject_id, regressed.details["presented_count"]) == (user.pk, 3)


def test_a_challenge_answers_once(holder, client):
    _, key = holder
    options = options_of(client.get(LOGIN_URL))
    first = key.assert_(options, user_handle=key.user_handle, origin="https://phish.example")
    client.post(PASSKEY_URL, {"credential": first})
    replayed = key.assert_(options, user_handle=key.user_handle)
    response = client.post(PASSKEY_URL, {"credential": replayed})
    assert "niet geaccepteerd" in text(response)
    assert not logged_in(client)
    assert events("webauthn.failed").count() == 2


def test_a_challenge_expires(holder, client, settings):
    _, key = holder
    options = options_of(client.get(LOGIN_URL))
    later = timezone.now() + timezone.timedelta(seconds=settings.OTP_WEBAUTHN_TIMEOUT_SECONDS + 1)
    with time_machine.travel(later):
        response = client.post(
            PASSKEY_URL, {"credential": key.assert_(options, user_handle=key.user_handle)}
        )
    assert "Dat duurde te lang" in text(response)
    assert not logged_in(client)


def test_an_inactive_account_cannot_log_in_with_its_passkey(holder, client):
    user, key = holder
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert_refused(client, answer(client, key), "inactive")


def test_a_key_whose_set_up_was_not_finished_does_not_count(holder, client):
    _, key = holder
    WebAuthnCredential.objects.update(confirmed=False)
    assert_refused(client, answer(client, key), "unknown_credential")


def test_nothing_from_the_browser_is_no_login(holder, client):
    client.get(LOGIN_URL)
    response = client.post(PASSKEY_URL, {"credential": ""})
    assert "Uw browser heeft geen antwoord van een sleutel doorgegeven" in text(response)
    assert not logged_in(client)


def test_garbage_is_refused_politely(holder, client):
    client.get(LOGIN_URL)
    response = client.post(PASSKEY_URL, {"credential": '{"id": 3, "response": []}'})
    assert "niet geaccepteerd" in text(response)
    assert not logged_in(client)


def test_the_endpoint_takes_only_posts(holder, client):
    assert client.get(PASSKEY_URL).status_code == 405


def test_the_login_page_sets_its_session_before_anything_can_log_in(holder, client):
    """The challenge's session comes with the page: no later answer to a script can set a
    cookie over the one a login sets (a password manager submits at once)."""
    client.get(LOGIN_URL)
    assert client.cookies[settings.SESSION_COOKIE_NAME].value


def test_guessing_from_one_address_is_throttled_before_any_lookup(holder, client):
    _, key = holder
    for _ in range(throttle.CLIENT.free + 1):
        answer(client, SoftKey())
    response = answer(client, key)
    assert "Probeer het over" in text(response)
    assert not logged_in(client)
    assert events("login.throttled").filter(details__factor="passkey").exists()


def test_an_account_blocked_for_its_codes_is_blocked_for_its_passkey_too(holder, client):
    """The code step's waits are the account's: a passkey must not be the way around them."""
    user, key = holder
    account_key = throttle.key_for("code-account", str(user.pk))
    for _ in range(throttle.ACCOUNT.free + 1):
        throttle.record_failure(account_key, throttle.ACCOUNT)
    response = answer(client, key)
    assert "Probeer het over" in text(response)
    assert not logged_in(client)


def test_a_good_passkey_forgets_the_accounts_failures(holder, client):
    user, key = holder
    account_key = throttle.key_for("code-account", str(user.pk))
    throttle.record_failure(account_key, throttle.ACCOUNT)
    answer(client, key)
    assert throttle.seconds_to_wait([account_key]) == 0
    assert logged_in(client)


def test_the_password_still_works_beside_it(holder, client):
    user, _ = holder
    response = client.post(LOGIN_URL, {"email": user.email, "password": GOOD_PASSWORD})
    assert response["Location"] == "/inloggen/sleutel/"
