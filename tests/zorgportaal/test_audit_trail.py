"""The audit trail (NEN 7513 spirit): what a journey leaves behind, append-only, and the
administrators' read-only view with its filters and CSV export."""

import csv
import io
import re
from datetime import UTC

import pytest
from django.contrib.auth.models import Permission
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import User
from tests.support import GOOD_PASSWORD, give_app, log_in
from tokens.models import AppDevice
from tokens.testing import device_code
from zorgportaal import audit
from zorgportaal.admin import neutralise
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/zorgportaal/auditevent/"
EXPORT = "/admin/zorgportaal/auditevent/exporteren/"


def trail():
    return list(AuditEvent.objects.order_by("id"))


def test_a_whole_journey_leaves_exactly_these_events(client, invite):
    """Invitation, password, app, (the helpdesk verifies), login, logout: nothing more."""
    _invitation, link = invite("anna.devries@delinde.example")
    client.get(link)
    client.post(
        "/registreren/wachtwoord/", {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    client.get("/registreren/app/")
    device = AppDevice.objects.get()
    client.post("/registreren/app/", {"code": device_code(device)})
    client.post("/uitloggen/")
    anna = User.objects.get(email="anna.devries@delinde.example")
    anna.identity_verified_at = timezone.now()  # the helpdesk's part has its own tests
    anna.save(update_fields=["identity_verified_at"])
    client.post("/inloggen/", {"email": anna.email, "password": GOOD_PASSWORD})
    code = device_code(device, drift=1)  # the code of the app step may not be used twice
    client.post("/inloggen/code/", {"device": device.persistent_id, "code": code})
    assert client.get("/portaal/").status_code == 200
    client.post("/uitloggen/")

    events = [(e.event, e.outcome, e.actor_email, e.subject_email) for e in trail()]
    email = anna.email
    assert events == [
        ("invitation.created", "success", "", email),
        ("invitation.sent", "success", "", email),
        ("invitation.opened", "success", "", email),
        ("invitation.used", "success", email, email),
        ("password.set", "success", email, email),
        ("device.enrolled", "success", email, email),
        ("device.confirmed", "success", email, email),
        ("logout", "success", email, email),
        ("login.password_accepted", "success", email, email),
        ("login.succeeded", "success", email, email),
        ("logout", "success", email, email),
    ]


def test_every_event_carries_time_actor_role_subject_address_and_request_id(client, person):
    log_in(client, person)
    event = AuditEvent.objects.get(event="login.succeeded")
    assert event.created_at.utcoffset().total_seconds() == 0  # stored in UTC
    assert event.outcome == "success"
    assert event.actor == person
    assert event.actor_role == "gebruiker / Doktersassistent"
    assert event.subject == person
    assert event.client_ip == "127.0.0.1"
    assert re.fullmatch(r"[0-9a-f]{32}", event.request_id)
    Client().post("/inloggen/", {"email": "niemand@delinde.example", "password": "fout"})
    failed = AuditEvent.objects.get(event="login.failed")
    assert (failed.outcome, failed.actor, failed.actor_role) == ("failure", None, "")
    assert failed.subject_email == "niemand@delinde.example"


def test_the_request_id_of_the_load_balancer_is_kept(client, person):
    client.post(
        "/inloggen/",
        {"email": person.email, "password": GOOD_PASSWORD},
        HTTP_X_REQUEST_ID="lb-2026-abcdef12",
    )
    assert AuditEvent.objects.get(event="login.password_accepted").request_id == "lb-2026-abcdef12"


@pytest.mark.parametrize(
    ("flags", "role"),
    [
        ({"is_staff": True, "is_superuser": True}, "beheerder"),
        ({"is_staff": True}, "medewerker"),
        ({}, "gebruiker"),
    ],
)
def test_the_role_is_a_snapshot_of_the_actors_rights(flags, role):
    user = User.objects.create_user("iemand@delinde.example", GOOD_PASSWORD, **flags)
    assert audit.record("test.event", actor=user).actor_role == role


def test_a_helpdesk_agent_is_recorded_as_helpdesk():
    agent = User.objects.create_user("agent@topicus.example", GOOD_PASSWORD, is_staff=True)
    agent.user_permissions.add(Permission.objects.get(codename="helpdesk"))
    agent = User.objects.get(pk=agent.pk)
    assert audit.record("test.event", actor=agent).actor_role == "helpdesk"


def test_record_and_record_many_write_the_same_fields_for_the_same_input(person, rf):
    request = rf.get("/", REMOTE_ADDR="203.0.113.7")
    request.user, request.id = person, "req-42"
    facts = {"organisation": "De Linde", "note": "nul\x00teken", "serials": ("1", "2")}
    email = "nieuw@delinde.example"
    audit.record("test.event", request=request, subject_email=email, success=False, **facts)
    audit.record_many("test.event", request=request, subject_emails=[email], success=False, **facts)
    fields = [
        f.attname for f in AuditEvent._meta.concrete_fields if f.name not in ("id", "created_at")
    ]
    one, many = AuditEvent.objects.order_by("id").values(*fields)
    assert one == many
    assert (one["actor_id"], one["client_ip"], one["request_id"]) == (
        person.pk,
        "203.0.113.7",
        "req-42",
    )
    assert one["details"] == {"organisation": "De Linde", "note": "nulteken", "serials": ["1", "2"]}


def test_events_cannot_be_changed_or_deleted_through_the_model():
    event = audit.record("test.event", subject_email="a@example.org")
    event.event = "iets anders"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(event="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).event == "test.event"


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


@pytest.mark.postgres
@postgres_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE zorgportaal_auditevent SET event = 'vervalst' WHERE id = %s",
        "UPDATE zorgportaal_auditevent SET subject_email = '' WHERE id = %s",
        "UPDATE zorgportaal_auditevent SET actor_id = NULL, event = 'x' WHERE id = %s",
        "DELETE FROM zorgportaal_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_changes_and_deletes_whoever_sends_them(person, sql):
    event = audit.record("test.event", actor=person, subject=person)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).event == "test.event"


@pytest.mark.postgres
@postgres_only
def test_deleting_an_account_unlinks_its_events_and_keeps_them(organisation):
    user = User.objects.create_user("weg@delinde.example", GOOD_PASSWORD)
    event = audit.record("test.event", actor=user, subject=user)
    user.delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor_id, event.subject_id) == (None, None)
    assert (event.actor_email, event.subject_email) == ("weg@delinde.example",) * 2


# The administrators' view


def test_not_even_a_superuser_can_add_change_or_delete_events(admin_client):
    event = audit.record("test.event", subject_email="a@example.org")
    page = admin_client.get(CHANGELIST).content.decode()
    assert "test.event" in page
    assert "/admin/zorgportaal/auditevent/add/" not in page
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    detail = admin_client.get(f"{CHANGELIST}{event.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert admin_client.post(f"{CHANGELIST}{event.pk}/change/", {"event": "x"}).status_code == 403
    assert admin_client.get(f"{CHANGELIST}{event.pk}/delete/").status_code == 403
    response = admin_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [event.pk]}
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert response.status_code in (200, 302)


def test_the_list_filters_by_event_account_actor_and_date(admin_client, person):
    audit.record("login.failed", success=False, subject_email="anna.devries@delinde.example")
    audit.record("login.failed", success=False, subject_email="bob@delinde.example")
    audit.record("password.changed", actor=person, subject=person)
    day = timezone.now().astimezone(UTC)

    def shown(query):
        page = admin_client.get(CHANGELIST + query).content.decode()
        return sorted(set(re.findall(r'<td class="field-subject_email">([^<]*)</td>', page)))

    assert shown("?event=login.failed") == ["anna.devries@delinde.example", "bob@delinde.example"]
    assert shown("?account=BOB@delinde.example") == ["bob@delinde.example"]
    assert shown(f"?actor={person.email}&event=password.changed") == [person.email]
    assert "bob@delinde.example" in shown(
        f"?created_at__year={day.year}&created_at__month={day.month}"
    )
    assert shown("?created_at__year=2001") == []
    filters = admin_client.get(CHANGELIST).content.decode()
    assert 'name="account"' in filters
    assert 'name="actor"' in filters


def test_the_csv_export_follows_the_filters_neutralises_formulas_and_is_audited(admin_client):
    audit.record("login.failed", success=False, subject_email='=HYPERLINK("http://evil")')
    audit.record("login.failed", success=False, subject_email="+31@example.org")
    audit.record("logout", subject_email="anna@example.org")
    response = admin_client.get(EXPORT + "?event=login.failed")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["id", "tijdstip (UTC)", "gebeurtenis", "uitkomst"]
    subjects = [row[6] for row in rows[1:]]
    assert subjects == ['\'=HYPERLINK("http://evil")', "'+31@example.org"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row[1]) for row in rows[1:])
    exported = AuditEvent.objects.get(event="audit.exported")
    assert exported.actor == admin_client.user
    assert exported.details == {"filters": {"event": "login.failed"}}


def test_the_export_action_exports_the_selected_events(admin_client):
    chosen = audit.record("logout", subject_email="a@example.org")
    audit.record("logout", subject_email="b@example.org")
    response = admin_client.post(
        CHANGELIST, {"action": "export_selected", "_selected_action": [chosen.pk]}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[6] for row in rows[1:]] == ["a@example.org"]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\0x", "'\0x"),
        ("\rx", "'\rx"),
        ("anna@example.org", "anna@example.org"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_cells_that_a_spreadsheet_would_run_get_a_quote(value, cell):
    assert neutralise(value) == cell


def test_staff_without_the_view_right_and_people_do_not_see_the_trail(client, servicedesk):
    audit.record("test.event")
    log_in(client, give_app(servicedesk))
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(EXPORT).status_code == 403
    servicedesk.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    assert client.get(CHANGELIST).status_code == 200
    assert client.get(EXPORT).status_code == 200


def test_a_person_is_sent_away_from_the_trail(person):
    client = Client()
    log_in(client, person)
    for url in [CHANGELIST, EXPORT]:
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0] == "/portaal/"


def test_a_bad_filter_in_the_export_goes_back_to_the_list(admin_client):
    response = admin_client.get(EXPORT + "?created_at__year=geen-jaar")
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST + "?e=1"


def test_the_audit_trail_is_read_only_even_for_superusers(client, person):
    admin = User.objects.create_superuser("beheer@topicus.example", GOOD_PASSWORD)
    log_in(client, give_app(admin))
    event = AuditEvent.objects.first()
    page = client.get("/admin/zorgportaal/auditevent/").content.decode()
    assert "login.succeeded" in page
    assert client.get("/admin/zorgportaal/auditevent/add/").status_code == 403
    assert client.post(f"/admin/zorgportaal/auditevent/{event.pk}/delete/").status_code == 403
