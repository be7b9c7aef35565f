"""A factor is locked after 100 wrong codes in a row, and that lock can be reached.

django-otp doubles the wait after each wrong code: after 26 failures it was longer than a year,
so anyone who knew the password could keep a person's factor blocked for good without ever
reaching the lock (which the helpdesk can lift, and which the person hears about).
"""

import base64
from datetime import timedelta
from smtplib import SMTPException
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from tests.support import wrong_code
from tokens import services
from tokens.models import LOCK_AFTER_FAILURES, MAX_THROTTLE_DELAY, AppDevice
from tokens.testing import device_code, inventory_token, linked_token_device
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["app", "token"])
def device(request, person):
    """Anna's app, or a hardware token linked to her: both lock alike."""
    if request.param == "app":
        return person.app
    # A serial without digits: the mail names it, and no code may be read into it.
    token = inventory_token("FT-SERIE-A", organisation=person.organisation)
    return linked_token_device(person, token)


def fail(clock, device, times: int) -> None:
    """Type a wrong code `times` times, each one the longest wait after the one before."""
    for _ in range(times):
        clock.shift(MAX_THROTTLE_DELAY)
        assert not services.device_verify(device, wrong_code(device), request=None)


@pytest.mark.parametrize("failures", [26, 50, 99])
def test_after_many_failures_the_wait_is_at_most_fifteen_minutes(clock, device, failures):
    fail(clock, device, failures)
    device.refresh_from_db()
    assert device.throttling_failure_count == failures  # each one was checked and counted
    refusal = services.device_refusal(device)
    assert refusal.reason == "throttled"
    assert timezone.now() < refusal.until <= timezone.now() + timedelta(minutes=15)
    clock.shift(timedelta(minutes=15))
    assert services.device_refusal(device) is None
    assert services.device_verify(device, device_code(device), request=None)


def test_the_100th_consecutive_failure_locks_the_device_and_mails_the_person_once(
    clock, device, person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fail(clock, device, LOCK_AFTER_FAILURES - 1)
    assert mail.outbox == []
    assert services.device_refusal(device) is not None  # waiting, not locked
    with django_capture_on_commit_callbacks(execute=True):
        fail(clock, device, 1)
    assert services.device_refusal(device).reason == "locked"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [person.email]
    assert message.subject == "Het authenticatiemiddel van uw Topicus Zorg Account is geblokkeerd"
    assert "100 keer achter elkaar een onjuiste code" in message.body
    assert "Neem contact op met de helpdesk" in message.body
    with django_capture_on_commit_callbacks(execute=True):
        fail(clock, device, 3)  # more tries change nothing and mail no one
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(event="device.locked", subject=person).count() == 1


def test_the_mail_says_it_need_not_have_been_the_person_and_what_to_do(
    clock, device, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fail(clock, device, LOCK_AFTER_FAILURES)
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert device.name in body
        assert "Dat hoeft niet door u te zijn gebeurd" in body
        assert "Neem contact op met de helpdesk" in body
        assert "https://portaal.example.nl/wachtwoord-vergeten/" in body


def test_the_mail_holds_no_code_and_no_seed(clock, device, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fail(clock, device, LOCK_AFTER_FAILURES)
    message = mail.outbox[0]
    seed = device.secret()
    forbidden = [
        base64.b32encode(seed).decode().rstrip("="),
        seed.hex(),
        wrong_code(device),
        *(device_code(device, drift=drift) for drift in (-1, 0, 1)),
    ]
    for text in (message.subject, message.body, message.alternatives[0][0]):
        for secret in forbidden:
            assert secret not in text


def test_the_lock_holds_whatever_the_time(clock, device):
    fail(clock, device, LOCK_AFTER_FAILURES)
    clock.shift(timedelta(days=3650))
    assert services.device_refusal(device).reason == "locked"
    assert not services.device_verify(device, device_code(device), request=None)
    device.refresh_from_db()
    assert device.throttling_failure_count == LOCK_AFTER_FAILURES


def test_a_request_that_read_the_device_before_the_lock_mails_no_one_again(
    clock, device, django_capture_on_commit_callbacks
):
    fail(clock, device, LOCK_AFTER_FAILURES - 1)
    clock.shift(MAX_THROTTLE_DELAY)
    same_moment = type(device).objects.get(pk=device.pk)  # a second request, read before
    with django_capture_on_commit_callbacks(execute=True):
        assert not services.device_verify(device, wrong_code(device), request=None)
        assert not services.device_verify(same_moment, wrong_code(device), request=None)
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(event="device.locked").count() == 1


def test_a_failing_mail_server_does_not_undo_the_lock(
    clock, device, person, django_capture_on_commit_callbacks
):
    fail(clock, device, LOCK_AFTER_FAILURES - 1)
    with (
        mock.patch("zorgportaal.emails.send", side_effect=SMTPException("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        fail(clock, device, 1)
    assert services.device_refusal(device).reason == "locked"
    assert AuditEvent.objects.filter(event="device.locked").count() == 1
    assert AuditEvent.objects.filter(
        event="mail.failed", subject=person, details__mail="factor-locked"
    ).exists()


def test_an_app_still_being_set_up_locks_without_a_mail(
    clock, person, django_capture_on_commit_callbacks
):
    """It is no factor yet: the person sees the lock on the page where they scan the QR code."""
    unfinished = AppDevice.objects.create(user=person, name="Authenticator-app", confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        fail(clock, unfinished, LOCK_AFTER_FAILURES)
    assert services.device_refusal(unfinished).reason == "locked"
    assert mail.outbox == []
