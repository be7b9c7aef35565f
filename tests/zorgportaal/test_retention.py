"""`manage.py purge` and the registry behind it (zorgportaal.retention): one line and one audit
event per kind, with a count and never a name; and the shared machinery's own purges."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django.utils.translation import ngettext_lazy

from tests.support import days_ago
from zorgportaal import retention, throttle
from zorgportaal.models import AuditEvent, LoginSession, Throttle

pytestmark = pytest.mark.django_db

EVERY_KIND = {
    "login_sessions": "LOGIN_RETENTION_DAYS",
    "django_sessions": None,
    "throttle_counts": None,
    "invitations": "INVITATION_RETENTION_DAYS",
    "password_reset_mails": "PASSWORD_RESET_RETENTION_DAYS",
    "unclaimed_tokens": "UNCLAIMED_TOKEN_RETENTION_DAYS",
    "csv_imports": "CSV_IMPORT_RETENTION_DAYS",
    "service_signins": "LOGIN_RETENTION_DAYS",
    "service_tokens": None,
    "verification": "VERIFICATION_RETENTION_DAYS",
}


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def purge() -> list[str]:
    out = StringIO()
    call_command("purge", stdout=out)
    return out.getvalue().splitlines()


def purged_events() -> dict[str, dict]:
    events = AuditEvent.objects.filter(event="retention.purged")
    return {event.details["kind"]: event for event in events}


def test_every_app_registers_its_purges_with_their_settings():
    # Deactivated accounts are erased by the privacy app's own purge, when it registers one.
    registered = {kind: purge.setting for kind, purge in retention.PURGES.items()}
    assert {kind: registered.get(kind, "missing") for kind in EVERY_KIND} == EVERY_KIND


def test_the_command_says_one_line_per_kind_with_its_period(frozen):
    lines = purge()

    assert len(lines) == len(retention.PURGES)
    assert "0 beëindigde sessies verwijderd (bewaartermijn 90 dagen)" in lines
    assert "0 verlopen sessiegegevens verwijderd" in lines
    assert "0 oude tellingen van mislukte pogingen verwijderd" in lines
    assert "0 verlopen of ingetrokken uitnodigingen verwijderd (bewaartermijn 90 dagen)" in lines
    assert "0 mails voor een nieuw wachtwoord verwijderd (bewaartermijn 7 dagen)" in lines
    assert "0 nooit gekoppelde hardware tokens verwijderd (bewaartermijn 365 dagen)" in lines
    assert "0 Azure CSV-imports verwijderd (bewaartermijn 365 dagen)" in lines
    assert "0 inlogs bij en uitlogberichten aan diensten verwijderd (bewaartermijn 90 dagen)" in (
        lines
    )
    assert "0 verlopen codes en tokens van diensten verwijderd" in lines
    assert "0 chatberichten, chats en verificatiecodes verwijderd (bewaartermijn 90 dagen)" in lines


def test_the_command_audits_one_count_per_kind_and_no_personal_data(frozen, person, settings):
    settings.LOGIN_RETENTION_DAYS = 30
    for name, ended in [("oud", 31), ("ouder", 40), ("recent", 29)]:
        LoginSession.objects.create(
            user=person, login_id=name, session_key=name, ended_at=days_ago(ended)
        )

    lines = purge()

    assert "2 beëindigde sessies verwijderd (bewaartermijn 30 dagen)" in lines
    events = purged_events()
    assert set(events) == set(retention.PURGES)
    assert AuditEvent.objects.filter(event="retention.purged").count() == len(retention.PURGES)
    assert events["login_sessions"].details == {"kind": "login_sessions", "count": 2, "days": 30}
    assert events["throttle_counts"].details == {
        "kind": "throttle_counts",
        "count": 0,
        "days": None,
    }
    for event in events.values():
        assert event.created_at == timezone.now()
        assert (event.actor, event.subject, event.actor_email, event.subject_email) == (
            None,
            None,
            "",
            "",
        )
        assert person.email not in str(event.details)


def test_a_kind_that_fails_is_reported_and_the_others_still_purge(frozen, person, monkeypatch):
    def broken(*, now):
        raise RuntimeError("database said no")

    monkeypatch.setitem(
        retention.PURGES,
        "broken",
        retention.Purge(
            kind="broken",
            purge=broken,
            setting=None,
            report=ngettext_lazy("%(count)d kapot", "%(count)d kapot", "count"),
        ),
    )
    LoginSession.objects.create(user=person, login_id="oud", session_key="x", ended_at=days_ago(91))
    out = StringIO()

    with pytest.raises(CommandError, match=r"Niet gelukt, zie het log: broken\."):
        call_command("purge", stdout=out)

    assert "1 beëindigde sessie verwijderd (bewaartermijn 90 dagen)" in out.getvalue()
    assert not LoginSession.objects.exists()
    assert "broken" not in purged_events()


def test_a_period_below_one_day_is_refused(frozen, settings, person):
    settings.LOGIN_RETENTION_DAYS = 0
    LoginSession.objects.create(user=person, login_id="net", session_key="x", ended_at=days_ago(0))

    with pytest.raises(CommandError, match="login_sessions, service_signins"):
        purge()

    assert LoginSession.objects.exists()


# The shared machinery's own purges


def test_ended_logins_go_90_days_after_they_ended_and_open_ones_stay(frozen, person):
    for name, ended in [("lang", days_ago(91)), ("kort", days_ago(89)), ("open", None)]:
        LoginSession.objects.create(
            user=person, login_id=name, session_key=name, started_at=days_ago(100), ended_at=ended
        )

    assert retention.login_sessions_purge(now=timezone.now()) == 1

    assert set(LoginSession.objects.values_list("login_id", flat=True)) == {"kort", "open"}


def test_djangos_expired_sessions_go_and_current_ones_stay(frozen):
    for key, expires in [("verlopen", -1), ("geldig", 1)]:
        Session.objects.create(
            session_key=key.ljust(32, "x"),
            session_data="",
            expire_date=timezone.now() + timedelta(hours=expires),
        )

    assert retention.django_sessions_purge(now=timezone.now()) == 1

    assert list(Session.objects.values_list("session_key", flat=True)) == ["geldig".ljust(32, "x")]


def test_throttle_counts_go_once_unblocked_and_quiet_longer_than_any_window(frozen):
    now = timezone.now()
    day = throttle.LONGEST_WINDOW
    rows = {
        "stil": {"updated_at": now - day - timedelta(minutes=1)},
        "blokkade-voorbij": {
            "updated_at": now - 2 * day,
            "blocked_until": now - timedelta(hours=1),
        },
        "nog-geblokkeerd": {"updated_at": now - 2 * day, "blocked_until": now + timedelta(hours=1)},
        "binnen-venster": {"updated_at": now - day + timedelta(minutes=1)},
    }
    for key, fields in rows.items():
        Throttle.objects.create(key=key, failures=3, **fields)

    assert retention.throttle_counts_purge(now=now) == 2

    assert set(Throttle.objects.values_list("key", flat=True)) == {
        "nog-geblokkeerd",
        "binnen-venster",
    }


def test_no_throttle_policy_may_forget_later_than_the_purge_does():
    with pytest.raises(ValueError, match="would be purged"):
        throttle.Policy(free=1, first_wait=timedelta(0), cap=timedelta(0), window=timedelta(days=2))


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="runs the purge on PostgreSQL")
def test_the_whole_purge_runs_on_postgresql(frozen, person, invite, organisation):
    """The audit trail's trigger and the JSON lookups (tokens ever linked) on the real thing."""
    from accounts.models import Invitation
    from tokens.testing import inventory_token

    LoginSession.objects.create(user=person, login_id="oud", session_key="x", ended_at=days_ago(91))
    made, _link = invite("verlopen@delinde.example", name="")
    Invitation.objects.filter(pk=made.pk).update(expires_at=days_ago(91))
    token = inventory_token(organisation=organisation)
    type(token).objects.filter(pk=token.pk).update(created_at=days_ago(366))

    lines = purge()

    assert "1 beëindigde sessie verwijderd (bewaartermijn 90 dagen)" in lines
    assert "1 verlopen of ingetrokken uitnodiging verwijderd (bewaartermijn 90 dagen)" in lines
    assert "1 nooit gekoppeld hardware token verwijderd (bewaartermijn 365 dagen)" in lines
    assert len(purged_events()) == len(retention.PURGES)
