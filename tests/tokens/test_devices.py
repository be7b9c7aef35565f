"""Both device kinds verify codes the same way: once, with one step of drift, throttled, locked."""

import base64
import io

import pytest
from cryptography.fernet import InvalidToken
from django.core.management import CommandError, call_command
from django.db import connection
from django_otp.models import VerifyNotAllowed

from accounts.models import User
from tests.support import wrong_code
from tokens import crypto, services
from tokens.models import LOCK_AFTER_FAILURES, AppDevice, HardwareToken, Lockout
from tokens.testing import (
    code_for,
    confirmed_app_device,
    device_code,
    inventory_token,
    linked_token_device,
)
from zorgportaal.models import AuditEvent


@pytest.fixture
def person(db):
    return User.objects.create_user("piet.pieters@delinde.example", "x")


@pytest.fixture(params=["app", "token"])
def device(request, person):
    """Every behaviour test runs against both kinds of device."""
    if request.param == "app":
        return confirmed_app_device(person)
    return linked_token_device(person, inventory_token(organisation=None))


def test_a_code_is_accepted_once(clock, device):
    code = device_code(device)
    assert device.verify_token(code)
    clock.shift(2)
    assert not device.verify_token(code)


def test_a_replayed_code_is_refused_even_by_a_fresh_copy_of_the_device(clock, device):
    code = device_code(device)
    assert device.verify_token(code)
    again = type(device).objects.get(pk=device.pk)
    assert not again.verify_token(code)


@pytest.mark.parametrize("drift", [-1, 1])
def test_one_step_of_clock_drift_is_tolerated(clock, device, drift):
    assert device.verify_token(device_code(device, drift=drift))


@pytest.mark.parametrize("drift", [-2, 2])
def test_two_steps_of_clock_drift_are_too_many(clock, device, drift):
    assert not device.verify_token(device_code(device, drift=drift))


def test_an_older_code_is_refused_after_a_newer_one_was_used(clock, device):
    older = device_code(device, drift=-1)
    assert device.verify_token(device_code(device))
    assert not device.verify_token(older)


def test_a_code_typed_with_spaces_is_accepted(clock, device):
    code = device_code(device)
    assert device.verify_token(f" {code[:3]} {code[3:]} ")


def test_a_code_that_is_not_six_digits_is_a_failure(clock, device):
    assert not device.verify_token("12345a")
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_a_try_right_after_one_failure_is_checked(clock, device):
    assert not device.verify_token(wrong_code(device))
    assert device.verify_is_allowed()[0]
    assert device.verify_token(device_code(device))


def test_a_third_try_right_after_two_failures_is_refused_with_the_throttle_reason(clock, device):
    assert not device.verify_token(wrong_code(device))
    assert not device.verify_token(wrong_code(device))
    allowed, info = device.verify_is_allowed()
    assert not allowed
    assert info["reason"] is VerifyNotAllowed.N_FAILED_ATTEMPTS
    assert not device.verify_token(device_code(device))
    assert services.device_refusal(device).reason == "throttled"
    clock.shift(1)
    assert device.verify_token(device_code(device))


def test_the_throttle_delay_doubles_with_each_failure(clock, device):
    wrong = wrong_code(device)
    for _ in range(3):
        assert not device.verify_token(wrong)
        clock.shift(60)
    assert not device.verify_token(wrong)  # the fourth failure: wait 4 seconds
    clock.shift(3)
    assert not device.verify_is_allowed()[0]
    clock.shift(1)
    assert device.verify_is_allowed()[0]


def test_a_device_is_locked_after_100_consecutive_failures(clock, device, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # only the lock, not the delays, under test
    wrong = wrong_code(device)
    for _ in range(LOCK_AFTER_FAILURES - 1):
        assert not services.device_verify(device, wrong, request=None)
    assert device.verify_is_allowed()[0]
    assert not services.device_verify(device, wrong, request=None)
    allowed, info = device.verify_is_allowed()
    assert not allowed
    assert info["reason"] is Lockout.TOO_MANY_FAILURES
    clock.shift(3600 * 24 * 365)
    assert not device.verify_token(device_code(device))
    assert services.device_refusal(device).reason == "locked"
    assert AuditEvent.objects.filter(event="device.locked").count() == 1


def test_an_administrator_unlocks_a_locked_device(clock, device):
    device.throttling_failure_count = LOCK_AFTER_FAILURES
    device.save()
    services.device_unlock(device, request=None)
    assert device.verify_token(device_code(device))
    assert AuditEvent.objects.filter(event="device.unlocked").exists()


def test_success_resets_the_failure_count_and_records_the_last_use(clock, device):
    wrong = wrong_code(device)
    device.verify_token(wrong)
    clock.shift(1)
    assert device.verify_token(device_code(device))
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert device.last_used_at is not None


def test_a_60_second_token_accepts_the_code_of_its_own_step(clock, person):
    token = inventory_token("1000000102", interval=60, organisation=None)
    device = linked_token_device(person, token)
    code = code_for(token.secret(), step=60)
    clock.shift(30)  # a 30-second device would be one step further by now
    assert device.verify_token(code)


def raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def readable_forms(secret: bytes) -> list[str]:
    base32 = base64.b32encode(secret).decode().rstrip("=")
    return [base32, base32.lower(), secret.hex(), secret.hex().upper()]


def test_an_app_seed_is_not_stored_in_plain_text(person):
    device = confirmed_app_device(person)
    stored = raw_column("tokens_appdevice", "encrypted_secret", device.pk)
    assert len(device.secret()) == 20
    for form in readable_forms(device.secret()):
        assert form not in stored


def test_a_token_seed_is_not_stored_in_plain_text(db):
    token = inventory_token(organisation=None)
    stored = raw_column("tokens_hardwaretoken", "encrypted_seed", token.pk)
    for form in readable_forms(token.secret()):
        assert form not in stored


def test_a_seed_shows_in_no_text_of_a_device_or_token(person):
    token = inventory_token(organisation=None)
    device = linked_token_device(person, token)
    app = confirmed_app_device(person)
    texts = [str(token), repr(token), str(device), repr(device), str(app), repr(app)]
    texts += [str(summary) for summary in services.device_list(user=person)]
    for secret in (token.secret(), app.secret()):
        for form in readable_forms(secret):
            assert not any(form in text for text in texts)


def test_a_device_list_names_kind_state_and_dates_without_secrets(clock, person):
    device = confirmed_app_device(person)
    device.verify_token(device_code(device))
    [summary] = services.device_list(user=person)
    assert summary.kind == "authenticator-app"
    assert summary.confirmed
    assert not summary.locked
    assert summary.last_used_at is not None


def test_seeds_encrypted_with_an_old_key_work_through_the_fallbacks_and_are_rotated(
    clock, person, settings
):
    settings.OTP_SEED_KEY = "old key"
    app = confirmed_app_device(person)
    token = inventory_token(organisation=None)
    old_app_secret, old_token_secret = app.secret(), token.secret()
    old_stored = raw_column("tokens_hardwaretoken", "encrypted_seed", token.pk)

    settings.OTP_SEED_KEY = "new key"
    settings.OTP_SEED_KEY_FALLBACKS = ["old key"]
    assert app.verify_token(device_code(app))
    out = io.StringIO()
    call_command("rotate_otp_seed_key", stdout=out)
    assert "2 seeds opnieuw versleuteld" in out.getvalue()
    assert raw_column("tokens_hardwaretoken", "encrypted_seed", token.pk) != old_stored

    settings.OTP_SEED_KEY_FALLBACKS = []
    assert AppDevice.objects.get(pk=app.pk).secret() == old_app_secret
    assert HardwareToken.objects.get(pk=token.pk).secret() == old_token_secret
    with pytest.raises(InvalidToken):
        crypto.decrypt_seed(old_stored)


def test_without_a_seed_key_the_seeds_are_encrypted_with_a_key_from_secret_key(settings):
    settings.OTP_SEED_KEY = ""
    stored = crypto.encrypt_seed(b"a seed of twenty b..")
    settings.SECRET_KEY = "another secret key for this test only"
    with pytest.raises(InvalidToken):
        crypto.decrypt_seed(stored)


def test_rotation_changes_nothing_when_a_seed_matches_no_key(person, settings):
    settings.OTP_SEED_KEY = "lost key"
    app = confirmed_app_device(person)
    stored = raw_column("tokens_appdevice", "encrypted_secret", app.pk)
    settings.OTP_SEED_KEY = "new key"
    with pytest.raises(CommandError, match="OTP_SEED_KEY_FALLBACKS"):
        call_command("rotate_otp_seed_key")
    assert raw_column("tokens_appdevice", "encrypted_secret", app.pk) == stored


def test_the_last_factor_stays_unless_the_caller_says_it_may_go(device, person):
    """A new caller cannot take the last factor by accident: only a helpdesk reset or an
    administrator's removal passes `last_factor_allowed`."""
    assert services.device_remove(device) is False
    assert type(device).objects.filter(pk=device.pk).exists()
    assert not AuditEvent.objects.filter(event="device.removed").exists()
    assert services.device_remove(device, last_factor_allowed=True) is True
    assert not type(device).objects.filter(pk=device.pk).exists()
    assert AuditEvent.objects.filter(event="identity.verification_withdrawn").exists()


def test_a_factor_goes_while_another_remains_and_an_unfinished_app_always_goes(device, person):
    spare = confirmed_app_device(person)
    unfinished = AppDevice.objects.create(user=person, name="Half", confirmed=False)
    assert services.device_remove(device) is True
    assert services.device_remove(unfinished) is True
    assert list(AppDevice.objects.filter(user=person)) == [spare]
    assert not AuditEvent.objects.filter(event="identity.verification_withdrawn").exists()
