"""Hammering a blocked door must not flood the append-only audit trail.

The trail records a key's first refused attempt in its window, then the 10th, 100th …, each
with its count; the attempts themselves are still refused one by one.
"""

import time

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client

from accounts.password_reset import password_reset_mails_send_due
from tests.support import GOOD_PASSWORD, log_in, next_code_allowed
from verification.services import verification_code_check
from zorgportaal import throttle
from zorgportaal.models import AuditEvent, Throttle
from zorgportaal.security import LINK_POLICY

pytestmark = pytest.mark.django_db

ATTEMPTS = 300
RECORDED = [1, 10, 100]  # of 300 refusals: the 1st, the 10th and the 100th


def counts_recorded(event: str) -> list[int]:
    rows = AuditEvent.objects.filter(event=event).order_by("id")
    return [row.details["refused_in_window"] for row in rows]


def block_password_step(client, email):
    for _ in range(throttle.ACCOUNT.free):
        client.post("/inloggen/", {"email": email, "password": "fout"})


def test_300_throttled_logins_add_three_rows_to_the_trail_and_the_last_says_100(client, person):
    block_password_step(client, person.email)
    before = AuditEvent.objects.count()
    for _ in range(ATTEMPTS):
        response = client.post("/inloggen/", {"email": person.email, "password": "fout"})
        assert "Te veel mislukte pogingen" in response.content.decode()
    assert AuditEvent.objects.count() - before == len(RECORDED)
    assert counts_recorded("login.throttled") == RECORDED
    assert Throttle.objects.get(key__startswith="password-account:").refused == ATTEMPTS


def test_300_throttled_invitation_links_add_three_rows_to_the_trail():
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for attempt in range(LINK_POLICY.free):
        assert guesser.get(f"/uitnodiging/geraden-{attempt}/").status_code == 404
    before = AuditEvent.objects.count()
    for attempt in range(ATTEMPTS):
        assert guesser.get(f"/uitnodiging/nog-een-{attempt}/").status_code == 429
    assert AuditEvent.objects.count() - before == len(RECORDED)
    assert counts_recorded("invitation_link.throttled") == RECORDED


def test_300_throttled_reset_requests_add_three_rows_and_no_mail(settings, person):
    settings.MAIL_QUEUE = "worker"
    asker = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(3):
        asker.post("/wachtwoord-vergeten/", {"email": person.email})
    before = AuditEvent.objects.count()
    for _ in range(ATTEMPTS):
        response = asker.post("/wachtwoord-vergeten/", {"email": person.email})
        assert response["Location"] == "/wachtwoord-vergeten/verstuurd/"  # the same answer
    assert AuditEvent.objects.count() - before == len(RECORDED)
    assert counts_recorded("password_reset.throttled") == RECORDED
    assert AuditEvent.objects.filter(event="password_reset.requested").count() == 3
    password_reset_mails_send_due()
    assert [m.to for m in mail.outbox] == [[person.email]]  # one mail queued, then refusals


def test_300_throttled_helpdesk_code_checks_add_three_rows(servicedesk):
    def check():
        return verification_code_check(
            person=None, code="0000", agent=servicedesk, request=None, channel="phone"
        )

    for _ in range(settings.VERIFICATION_AGENT_WRONG_CHECKS_PER_HOUR):
        assert check().outcome == "no_code"
    before = AuditEvent.objects.count()
    for _ in range(ATTEMPTS):
        assert check().outcome == "throttled"
    assert AuditEvent.objects.count() - before == len(RECORDED)
    assert counts_recorded("verification.throttled") == RECORDED


def test_a_new_window_after_the_block_records_a_first_refusal_again(client, person):
    block_password_step(client, person.email)
    for _ in range(12):
        client.post("/inloggen/", {"email": person.email, "password": "fout"})
    assert counts_recorded("login.throttled") == [1, 10]
    later = time.time() + throttle.ACCOUNT.window.total_seconds() + 1
    with time_machine.travel(later):
        block_password_step(client, person.email)
        client.post("/inloggen/", {"email": person.email, "password": "fout"})
    assert counts_recorded("login.throttled") == [1, 10, 1]


def test_the_success_path_still_records_every_success(client, person):
    for _ in range(3):
        log_in(client, person)
        client.post("/uitloggen/")
        next_code_allowed(person)
    assert AuditEvent.objects.filter(event="login.password_accepted").count() == 3
    assert AuditEvent.objects.filter(event="login.succeeded").count() == 3
    assert not AuditEvent.objects.filter(event="login.throttled").exists()


def test_a_refusal_is_counted_only_on_the_keys_that_are_blocked(db):
    blocked, free = throttle.key_for("demo", "a"), throttle.key_for("demo", "b")
    for _ in range(throttle.ACCOUNT.free):
        throttle.record_failure(blocked, throttle.ACCOUNT)
    throttle.record_failure(free, throttle.ACCOUNT)
    assert throttle.refusal_to_record([blocked, free]) == 1
    assert throttle.refusal_to_record([blocked, free]) is None
    assert Throttle.objects.get(key=blocked).refused == 2
    assert Throttle.objects.get(key=free).refused == 0


def test_the_right_password_after_the_block_still_logs_in(client, person):
    block_password_step(client, person.email)
    with time_machine.travel(time.time() + 31):
        response = client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    assert response["Location"] == "/inloggen/code/"
