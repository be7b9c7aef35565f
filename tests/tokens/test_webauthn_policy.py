"""Passkeys and security keys: the administrators' policy and cloned keys (issue 16, points 4
and 7). Per organisation: whether passkeys are allowed, and an allow-list of key types (AAGUIDs)
that only keys proving their type with a maker's certificate can meet; a key whose sign counter
goes backwards is refused and audited as `webauthn.counter_regressed`.

The keys are tests.support's SoftKey, with an AAGUID and attestation where a test needs them.
"""

import uuid

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import Organisation
from tests.accounts.test_admin_audit import assert_by, only_event, submit
from tests.support import GOOD_PASSWORD, SoftKey, options_of, text
from tokens import webauthn
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

CHOOSE_URL = "/registreren/authenticatiemiddel/"
SETUP_URL = "/registreren/sleutel/"
KEY_URL = "/inloggen/sleutel/"
YUBIKEY = "cb69481e-8ff7-4039-93ec-0a2729a154a8"
OTHER = "ee882879-721c-4913-9775-3dfcce97072a"
REFUSED = "Uw organisatie staat dit type beveiligingssleutel niet toe"


@pytest.fixture
def enabled(settings):
    settings.PASSKEYS_ENABLED = True


def events(name):
    return AuditEvent.objects.filter(event=name)


def register(client, key):
    options = options_of(client.get(SETUP_URL))
    return client.post(SETUP_URL, {"name": "Sleutel", "credential": key.register(options)})


def allow_only(organisation, *aaguids):
    organisation.passkey_aaguids = "\n".join(aaguids)
    organisation.save()


# Passkeys not allowed


def test_a_new_organisation_allows_passkeys():
    assert Organisation.objects.create(name="Nieuw").passkeys_allowed


def test_not_allowed_there_is_no_third_choice_and_no_page(enabled, registered_client):
    Organisation.objects.update(passkeys_allowed=False)
    choose = text(registered_client.get(CHOOSE_URL))
    assert "Gebruik een beveiligingssleutel of passkey" not in choose
    assert "Gebruik app" in choose and "Gebruik token" in choose
    assert registered_client.get(SETUP_URL).status_code == 404
    assert registered_client.post(SETUP_URL, {"credential": "{}"}).status_code == 404


def test_not_allowed_after_the_page_opened_the_key_is_refused(enabled, registered_client):
    options = options_of(registered_client.get(SETUP_URL))
    Organisation.objects.update(passkeys_allowed=False)
    response = registered_client.post(SETUP_URL, {"credential": SoftKey().register(options)})
    assert response.status_code == 404
    assert not WebAuthnCredential.objects.exists()


def test_not_allowed_the_ceremony_itself_refuses_too(enabled, registered_client, rf):
    """Defence in depth for any page that runs the ceremony: `registration_complete` checks."""
    options = options_of(registered_client.get(SETUP_URL))
    Organisation.objects.update(passkeys_allowed=False)
    request = rf.post(SETUP_URL)
    request.user = registered_client.user
    request.session = registered_client.session
    with pytest.raises(webauthn.WebAuthnRefused) as refused:
        webauthn.registration_complete(
            request, credential_json=SoftKey().register(options), name="Sleutel"
        )
    assert "niet toe" in refused.value.message
    assert not WebAuthnCredential.objects.exists()
    assert events("webauthn.failed").get().details["reason"] == "not_allowed"


def test_the_policy_of_another_organisation_does_not_count(enabled, registered_client):
    Organisation.objects.create(name="Elders", passkeys_allowed=False, passkey_aaguids=OTHER)
    assert "Gebruik een beveiligingssleutel of passkey" in text(registered_client.get(CHOOSE_URL))
    assert register(registered_client, SoftKey())["Location"] == "/registreren/klaar/"


# The allow-list


def test_without_a_list_no_attestation_is_asked(enabled, registered_client):
    assert options_of(registered_client.get(SETUP_URL))["attestation"] == "none"


def test_with_a_list_the_makers_attestation_is_asked(enabled, registered_client, organisation):
    allow_only(organisation, YUBIKEY)
    assert options_of(registered_client.get(SETUP_URL))["attestation"] == "direct"


def test_a_listed_key_with_the_makers_certificate_is_accepted(
    enabled, registered_client, organisation
):
    allow_only(organisation, OTHER, YUBIKEY.upper())  # case and order do not matter
    key = SoftKey(aaguid=YUBIKEY, attestation="packed")
    assert register(registered_client, key)["Location"] == "/registreren/klaar/"
    device = WebAuthnCredential.objects.get()
    assert device.aaguid == YUBIKEY
    assert events("webauthn.registered").get().details["aaguid"] == YUBIKEY


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (SoftKey(aaguid=OTHER, attestation="packed"), "aaguid_not_allowed"),
        (SoftKey(aaguid=YUBIKEY, attestation="none"), "not_attested"),
        (SoftKey(aaguid=YUBIKEY, attestation="self"), "not_attested"),
        (SoftKey(aaguid=YUBIKEY, attestation="packed", certified_aaguid=OTHER), "aaguid_mismatch"),
        (SoftKey(attestation="packed", certified_aaguid=None), "aaguid_not_allowed"),
    ],
    ids=["another type", "no attestation", "self attestation", "certificate says other", "zeros"],
)
def test_a_key_outside_the_list_is_refused_and_audited(
    enabled, registered_client, organisation, key, reason
):
    allow_only(organisation, YUBIKEY)
    response = register(registered_client, key)
    assert response.status_code == 200
    assert REFUSED in text(response)
    assert "Beveiligingssleutel instellen" in text(response)  # the person may try another key
    assert not WebAuthnCredential.objects.exists()
    assert not events("webauthn.registered").exists()
    failed = events("webauthn.failed").get()
    assert failed.outcome == AuditEvent.Outcome.FAILURE
    assert failed.details["ceremony"] == "registration"
    assert failed.details["reason"] == reason
    # the key's claimed type says which key was tried; never key material
    assert failed.details["aaguid"] == str(uuid.UUID(bytes=key.aaguid))
    assert "public_key" not in failed.details


def test_after_a_refusal_a_listed_key_is_accepted(enabled, registered_client, organisation):
    allow_only(organisation, YUBIKEY)
    register(registered_client, SoftKey(aaguid=OTHER, attestation="packed"))
    key = SoftKey(aaguid=YUBIKEY, attestation="packed")
    assert register(registered_client, key)["Location"] == "/registreren/klaar/"


# A cloned key: its counter goes backwards


@pytest.fixture
def key_holder(enabled, registered_client, client):
    key = SoftKey()
    assert register(registered_client, key)["Location"] == "/registreren/klaar/"
    registered_client.post("/uitloggen/")
    return registered_client.user, key


def key_step(client, user):
    client.post("/inloggen/", {"email": user.email, "password": GOOD_PASSWORD})
    return options_of(client.get(KEY_URL))


def test_a_counter_going_backwards_is_refused_and_audited(key_holder, client):
    user, key = key_holder
    client.post(KEY_URL, {"credential": key.assert_(key_step(client, user))})  # count 1
    client.post("/uitloggen/")
    WebAuthnCredential.objects.update(sign_count=7)  # the other copy of the key signed 7 times
    response = client.post(KEY_URL, {"credential": key.assert_(key_step(client, user), count=3)})
    assert "niet geaccepteerd" in text(response)
    assert client.get("/portaal/").status_code == 302
    device = WebAuthnCredential.objects.get()
    assert device.sign_count == 7  # not lowered by the clone
    regressed = events("webauthn.counter_regressed").get()
    assert regressed.outcome == AuditEvent.Outcome.FAILURE
    assert regressed.subject == user
    assert regressed.details == {
        "device": device.persistent_id,
        "name": device.name,
        "aaguid": device.aaguid,
        "stored_count": 7,
        "presented_count": 3,
    }
    assert events("webauthn.failed").get().details["reason"] == "counter_regressed"


def test_an_equal_counter_is_a_regression_too(key_holder, client):
    user, key = key_holder
    WebAuthnCredential.objects.update(sign_count=4)
    client.post(KEY_URL, {"credential": key.assert_(key_step(client, user), count=4)})
    assert events("webauthn.counter_regressed").get().details["presented_count"] == 4


def test_a_forged_answer_with_a_low_counter_is_no_clone(key_holder, client):
    """The counter is compared after the signature: a wrong signature is just a failure."""
    user, key = key_holder
    WebAuthnCredential.objects.update(sign_count=7)
    options = key_step(client, user)
    forger = SoftKey()
    forger.credential_id = key.credential_id  # the key's ID, not its private key
    client.post(KEY_URL, {"credential": forger.assert_(options, count=1)})
    assert not events("webauthn.counter_regressed").exists()
    assert events("webauthn.failed").get().details["reason"] == "InvalidAuthenticationResponse"


def test_a_key_that_never_counts_is_no_clone(key_holder, client):
    """Many passkeys keep their counter at 0 (synced between devices): that is allowed."""
    user, key = key_holder
    response = client.post(KEY_URL, {"credential": key.assert_(key_step(client, user), count=0)})
    assert response.status_code == 302
    assert not events("webauthn.counter_regressed").exists()


# The admin


def organisation_url(organisation):
    return f"/admin/accounts/organisation/{organisation.pk}/change/"


def test_the_policy_is_changed_in_the_admin_and_audited(admin_client, administrator, organisation):
    submit(
        admin_client,
        organisation_url(organisation),
        "organisation_form",
        passkeys_allowed=None,
        passkey_aaguids=f"{YUBIKEY.upper()}\r\n\r\n{OTHER}",
    )
    organisation.refresh_from_db()
    assert not organisation.passkeys_allowed
    assert organisation.allowed_aaguids() == {YUBIKEY, OTHER}
    event = only_event("organisation.changed_by_administrator")
    assert_by(event, administrator)
    assert event.details["organisation"] == organisation.name
    assert event.details["changed"] == {
        "passkeys_allowed": [True, False],
        "passkey_aaguids": {"added": sorted([YUBIKEY, OTHER]), "removed": []},
    }


def test_a_save_without_a_change_is_no_event(admin_client, organisation):
    submit(admin_client, organisation_url(organisation), "organisation_form")
    assert not events("organisation.changed_by_administrator").exists()


def test_a_list_with_something_else_than_an_aaguid_is_refused(admin_client, organisation):
    url = organisation_url(organisation)
    response = admin_client.post(
        url, {"name": organisation.name, "passkeys_allowed": "on", "passkey_aaguids": "yubikey"}
    )
    assert response.status_code == 200
    assert "“yubikey” is geen AAGUID" in text(response)
    organisation.refresh_from_db()
    assert organisation.passkey_aaguids == ""
    assert not events("organisation.changed_by_administrator").exists()


def test_adding_and_deleting_an_organisation_is_audited(admin_client, administrator):
    response = admin_client.post(
        "/admin/accounts/organisation/add/",
        {"name": "Zorggroep Oost", "passkeys_allowed": "on", "passkey_aaguids": YUBIKEY},
    )
    assert response.status_code == 302
    created = only_event("organisation.created_by_administrator")
    assert_by(created, administrator)
    assert created.details["changed"]["name"] == ["", "Zorggroep Oost"]
    assert created.details["changed"]["passkey_aaguids"] == {"added": [YUBIKEY], "removed": []}
    organisation = Organisation.objects.get(name="Zorggroep Oost")
    admin_client.post(f"/admin/accounts/organisation/{organisation.pk}/delete/", {"post": "yes"})
    assert not Organisation.objects.filter(pk=organisation.pk).exists()
    deleted = only_event("organisation.deleted_by_administrator")
    assert deleted.details["state"]["passkey_aaguids"] == [YUBIKEY]
