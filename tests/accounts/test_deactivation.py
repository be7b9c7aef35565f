"""Deactivating an account and erasing it after its retention (issue 17): the attacker first —
a leaver's open session, their phone's code, their service session, a passkey — none of it
works after deactivation; then erasure takes what is kept for the account, the trail keeps
its events."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.test import Client
from django.utils import timezone
from django_otp import devices_for_user

from accounts.deactivation import account_deactivate, account_reactivate, accounts_erase_due
from accounts.models import Invitation, User
from tests.support import GOOD_PASSWORD, logged_in
from tokens.testing import device_code
from zorgportaal.models import AuditEvent, LoginSession

pytestmark = pytest.mark.django_db


def test_a_deactivated_persons_open_session_ends_and_they_cannot_log_in(person):
    browser = logged_in(person)
    assert browser.get("/portaal/").status_code == 200
    assert account_deactivate(person)
    assert browser.get("/portaal/")["Location"].startswith("/inloggen/")
    again = Client()
    answer = again.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    assert answer.status_code == 200  # the same message as a wrong password: no enumeration
    assert "/inloggen/code/" not in answer.get("Location", "")
    assert LoginSession.objects.filter(user=person, ended_at__isnull=True).count() == 0


def test_deactivation_removes_every_factor_and_the_helpdesk_check(person):
    app = person.app
    code = device_code(app)
    account_deactivate(person)
    person.refresh_from_db()
    assert list(devices_for_user(person, confirmed=None)) == []
    assert person.identity_verified_at is None
    assert (person.is_active, person.deactivated_at is not None) == (False, True)
    assert code  # the phone still shows codes, for a device that is gone
    event = AuditEvent.objects.get(event="account.deactivated")
    assert event.subject == person


def test_deactivating_twice_is_one_event(person):
    assert account_deactivate(person)
    assert not account_deactivate(person)
    assert AuditEvent.objects.filter(event="account.deactivated").count() == 1


def test_reactivation_means_a_new_factor_and_the_helpdesk_again(person):
    account_deactivate(person)
    assert account_reactivate(person)
    person.refresh_from_db()
    assert (person.is_active, person.deactivated_at) == (True, None)
    browser = Client()
    browser.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    assert browser.get("/portaal/")["Location"] == "/registreren/authenticatiemiddel/"


def test_an_account_is_erased_after_its_retention_and_not_before(person, settings):
    settings.ACCOUNT_RETENTION_DAYS = 90
    Invitation.objects.create(
        email=person.email,
        organisation=person.organisation,
        role=person.role,
        token_hash="x" * 64,
        user=person,
    )
    LogEntry.objects.log_actions(
        user_id=User.objects.create_superuser("beheer@topicus.example", GOOD_PASSWORD).pk,
        queryset=[person],
        action_flag=CHANGE,
    )
    with time_machine.travel(timezone.now() - timedelta(days=91)):
        account_deactivate(person)
    logged_in_events = AuditEvent.objects.filter(subject=person).count()
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        assert accounts_erase_due() == 0
    assert accounts_erase_due() == 1
    assert not User.objects.filter(pk=person.pk).exists()
    assert not Invitation.objects.filter(email=person.email).exists()
    assert not LogEntry.objects.filter(object_repr=person.email).exists()
    erased = AuditEvent.objects.get(event="account.erased")
    assert (erased.subject_id, erased.subject_email) == (None, person.email)
    kept = AuditEvent.objects.filter(subject_email=person.email).count()
    assert kept == logged_in_events + 1  # the trail keeps its events, unlinked


def test_an_active_account_is_never_erased(person, settings):
    settings.ACCOUNT_RETENTION_DAYS = 0
    assert accounts_erase_due() == 0
    assert User.objects.filter(pk=person.pk).exists()


def test_the_administrator_deactivates_and_reactivates_in_the_admin(admin_client, person):
    url = "/admin/accounts/user/"
    answer = admin_client.post(
        url, {"action": "deactivate", "_selected_action": [person.pk]}, follow=True
    )
    assert "1 account is gedeactiveerd; het wordt na 90 dagen gewist." in answer.content.decode()
    person.refresh_from_db()
    assert not person.is_active
    admin_client.post(url, {"action": "reactivate", "_selected_action": [person.pk]})
    person.refresh_from_db()
    assert (person.is_active, person.deactivated_at) == (True, None)
    events = AuditEvent.objects.filter(subject=person).values_list("event", flat=True)
    assert {"account.deactivated", "account.reactivated"} <= set(events)


def test_unticking_active_on_the_change_form_deactivates_too(admin_client, person):
    """The form's checkbox is the same act as the action: factors gone, erased later."""
    account = {
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "organisation": person.organisation.pk,
        "role": person.role.pk,
    }  # "is_active" left out: unticked
    answer = admin_client.post(f"/admin/accounts/user/{person.pk}/change/", account)
    assert answer.status_code == 302
    person.refresh_from_db()
    assert (person.is_active, person.deactivated_at is not None) == (False, True)
    assert list(devices_for_user(person, confirmed=None)) == []
    admin_client.post(f"/admin/accounts/user/{person.pk}/change/", {**account, "is_active": "on"})
    person.refresh_from_db()
    assert (person.is_active, person.deactivated_at) == (True, None)


def test_a_leavers_token_goes_back_to_the_inventory_without_their_upn(person):
    from tokens.models import HardwareTokenDevice
    from tokens.testing import inventory_token, linked_token_device

    token = inventory_token("4000000001", organisation=person.organisation, upn=person.email)
    linked_token_device(person, token)
    account_deactivate(person)
    token.refresh_from_db()
    assert token.upn == ""
    assert not HardwareTokenDevice.objects.filter(hardware_token=token).exists()
