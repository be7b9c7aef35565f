"""Notificaties (issue 15, 6): the person's own security activity from the audit trail, newest
first, in plain Dutch; the count of new items in the top bar; few queries."""

import re

import pytest
import time_machine
from django.test import Client, RequestFactory

from accounts.models import User
from portal.notifications import LIMIT
from tests.support import GOOD_PASSWORD, log_in, make_agent, next_code_allowed, text
from zorgportaal import audit
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

PAGE = "/portaal/notificaties/"
CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def rows(page: str) -> list[str]:
    """Each row of the table as its cells' text, joined by " | "."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return [
        " | ".join(
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        )
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def top_bar_link(page: str) -> str:
    """The top bar's Notificaties link as its accessible text."""
    link = re.search(r'<a href="/portaal/notificaties/">(.*?)</a>', page, re.S)[1]
    return re.sub(r"<[^>]+>", "", link)


def browser(user_agent: str) -> Client:
    return Client(HTTP_USER_AGENT=user_agent)


def happened(event: str, *, subject, at: str, **details) -> None:
    """An event in the trail at a moment, as the service that writes it would write it."""
    with time_machine.travel(at, tick=False):
        audit.record(event, subject=subject, **details)


def test_the_persons_security_events_show_newest_first_in_plain_dutch(person):
    happened("password.set", subject=person, at="2026-03-02 08:00:00+00:00")
    happened("device.confirmed", subject=person, at="2026-03-02 08:05:00+00:00", kind="appdevice")
    happened(
        "verification.succeeded",
        subject=person,
        at="2026-03-02 09:10:00+00:00",
        channel="phone",
    )
    happened("token.linked", subject=person, at="2026-07-01 12:00:00+00:00", serial="ZP0001234")
    happened("device.removed", subject=person, at="2026-07-01 12:30:00+00:00", kind="appdevice")
    happened("password.changed", subject=person, at="2026-07-02 06:45:00+00:00")
    client = browser(CHROME_ON_WINDOWS)
    with time_machine.travel("2026-07-03 07:00:00+00:00", tick=False):
        log_in(client, person)
        page = text(client.get(PAGE))

    assert rows(page) == [
        "03-07-2026 09:00 | Ingelogd | Chrome op Windows",
        "02-07-2026 08:45 | Wachtwoord gewijzigd | –",
        "01-07-2026 14:30 | Authenticator-app verwijderd | –",
        "01-07-2026 14:00 | Token gekoppeld | serienummer ZP0001234",
        "02-03-2026 10:10 | Uw identiteit is geverifieerd door de helpdesk | telefonisch",
        "02-03-2026 09:05 | Authenticator-app toegevoegd | –",
        "02-03-2026 09:00 | Wachtwoord ingesteld | –",
    ]


@pytest.mark.parametrize(
    ("event", "details", "line"),
    [
        ("login.failed", {"factor": "code"}, "Onjuiste code ingevuld bij het inloggen | –"),
        (
            "webauthn.registered",
            {"name": "YubiKey blauw"},
            "Beveiligingssleutel of passkey toegevoegd | YubiKey blauw",
        ),
        (
            "webauthn.failed",
            {"ceremony": "authentication", "reason": "InvalidAuthenticationResponse"},
            "Beveiligingssleutel of passkey niet geaccepteerd | –",
        ),
        (
            "device.removed",
            {"kind": "webauthncredential"},
            "Beveiligingssleutel of passkey verwijderd | –",
        ),
        (
            "device.locked",
            {"kind": "hardwaretokendevice"},
            "Token geblokkeerd na te veel onjuiste codes | –",
        ),
        ("device.unlocked", {"kind": "appdevice"}, "Authenticator-app gedeblokkeerd | –"),
        (
            "device.renamed",
            {"kind": "appdevice", "old_name": "Authenticator-app", "name": "iPhone van Anna"},
            "Authenticator-app hernoemd | van „Authenticator-app” in „iPhone van Anna”",
        ),
        (
            "factor.reset_by_helpdesk",
            {"channel": "chat", "device_count": 2},
            "Uw authenticatiemiddelen zijn gereset door de helpdesk | via de chat",
        ),
        (
            "identity.verification_withdrawn",
            {"reason": "no_factor_left"},
            "Geen authenticatiemiddel meer: de helpdesk verifieert uw account opnieuw | –",
        ),
        (
            "identity.verified_by_administrator",
            {"reason": "Collega"},
            "Uw identiteit is geverifieerd door een beheerder | –",
        ),
        (
            "password_reset.done",
            {},
            "Wachtwoord opnieuw ingesteld met de link uit uw e-mail | –",
        ),
        (
            "session.ended",
            {"by": "administrator", "all": True},
            "Al uw sessies zijn beëindigd door een beheerder | –",
        ),
        ("session.ended", {"by": "person"}, "Een sessie is beëindigd | –"),
        (
            "account.changed_by_administrator",
            {"changed": ["email"]},
            "Uw accountgegevens zijn gewijzigd door een beheerder | –",
        ),
    ],
)
def test_each_kind_of_event_says_what_happened(client, person, event, details, line):
    happened(event, subject=person, at="2026-05-04 10:00:00+00:00", **details)
    log_in(client, person)
    assert f"04-05-2026 12:00 | {line}" in rows(text(client.get(PAGE)))


def test_only_the_persons_own_events_of_the_listed_kinds_show(client, person, organisation):
    colleague = User.objects.create_user(
        "bram@delinde.example", GOOD_PASSWORD, organisation=organisation
    )
    happened("password.changed", subject=colleague, at="2026-05-04 10:00:00+00:00")
    # Anna acted, but on someone else: not her notification.
    with time_machine.travel("2026-05-04 10:01:00+00:00", tick=False):
        audit.record("session.ended", actor=person, subject=colleague, by="administrator")
    # Hers, but not of a kind a person needs to see.
    happened("stepup.succeeded", subject=person, at="2026-05-04 10:02:00+00:00")
    happened("logout", subject=person, at="2026-05-04 10:03:00+00:00")
    happened("device.enrolled", subject=person, at="2026-05-04 10:04:00+00:00")
    log_in(client, person)
    assert [row.split(" | ")[1] for row in rows(text(client.get(PAGE)))] == ["Ingelogd"]


def test_no_address_request_id_or_agent_shows(client, person, organisation):
    agent = make_agent(serves=[organisation])
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.77")
    request.user = agent
    request.id = "request-4a7e"
    audit.record("verification.succeeded", request=request, subject=person, channel="chat")
    log_in(client, person)
    page = text(client.get(PAGE))
    assert "Uw identiteit is geverifieerd door de helpdesk" in page
    assert "203.0.113.77" not in page
    assert "request-4a7e" not in page
    assert agent.email not in page
    assert "127.0.0.1" not in page  # nor the person's own address


def test_a_real_password_change_and_its_login_show(person):
    client = browser(SAFARI_ON_IPHONE)
    log_in(client, person)
    client.post(
        "/mijn-account/wachtwoord/",
        {
            "old_password": GOOD_PASSWORD,
            "password1": "een nieuw en lang wachtwoord",
            "password2": "een nieuw en lang wachtwoord",
        },
    )
    lines = [row.split(" | ", 1)[1] for row in rows(text(client.get(PAGE)))]
    assert lines == ["Wachtwoord gewijzigd | –", "Ingelogd | Safari op iPhone"]


def test_the_top_bar_counts_what_happened_since_the_last_login_until_notificaties_is_seen(
    person,
):
    with time_machine.travel("2026-05-04 08:00:00+00:00", tick=False) as clock:
        log_in(Client(), person)
        next_code_allowed(person)
        clock.move_to("2026-05-04 12:00:00+00:00")
        audit.record("password.changed", subject=person)
        clock.move_to("2026-05-04 12:05:00+00:00")
        audit.record("device.locked", subject=person, kind="appdevice")
        clock.move_to("2026-05-05 08:00:00+00:00")
        client = Client()
        log_in(client, person)

        dashboard = text(client.get("/portaal/"))
        assert top_bar_link(dashboard) == "Notificaties (2) nieuw"
        page = text(client.get(PAGE))
        assert [row for row in rows(page) if "nieuw" in row] == [
            "04-05-2026 14:05 nieuw | Authenticator-app geblokkeerd na te veel onjuiste codes | –",
            "04-05-2026 14:00 nieuw | Wachtwoord gewijzigd | –",
        ]
        assert top_bar_link(page) == "Notificaties"  # seen now
        assert top_bar_link(text(client.get("/portaal/"))) == "Notificaties"
        assert "U heeft geen nieuwe notificaties." in text(client.get(PAGE))

        clock.shift(60)
        audit.record("password.changed", subject=person)
        assert top_bar_link(text(client.get("/mijn-account/"))) == "Notificaties (1) nieuw"


def test_this_login_is_not_new_but_a_login_elsewhere_is(person):
    here = browser(CHROME_ON_WINDOWS)
    with time_machine.travel("2026-05-04 08:00:00+00:00", tick=False) as clock:
        log_in(here, person)
        assert top_bar_link(text(here.get("/portaal/"))) == "Notificaties"
        next_code_allowed(person)
        clock.shift(600)
        log_in(browser(SAFARI_ON_IPHONE), person)

        assert top_bar_link(text(here.get("/portaal/"))) == "Notificaties (1) nieuw"
        assert rows(text(here.get(PAGE)))[0] == (
            "04-05-2026 10:10 nieuw | Ingelogd | Safari op iPhone"
        )


def test_the_login_before_this_one_is_not_new_again(person):
    with time_machine.travel("2026-05-04 08:00:00+00:00", tick=False) as clock:
        log_in(Client(), person)
        next_code_allowed(person)
        clock.move_to("2026-05-05 08:00:00+00:00")
        client = Client()
        log_in(client, person)
        assert top_bar_link(text(client.get("/portaal/"))) == "Notificaties"
        assert len(rows(text(client.get(PAGE)))) == 2


def test_at_most_the_newest_fifty_show_and_the_page_says_so(client, person):
    AuditEvent.objects.bulk_create(
        AuditEvent(event="password.changed", outcome="success", subject=person)
        for _ in range(LIMIT + 5)
    )
    log_in(client, person)
    page = text(client.get(PAGE))
    assert len(rows(page)) == LIMIT
    assert rows(page)[0].split(" | ")[1] == "Ingelogd"
    assert f"U ziet de laatste {LIMIT} gebeurtenissen." in page


def test_queries_stay_few_however_many_events(client, person, django_assert_max_num_queries):
    log_in(client, person)
    with django_assert_max_num_queries(9) as few:  # one SELECT, and the session saves the mark
        client.get(PAGE)
    with django_assert_max_num_queries(8) as dashboard:
        client.get("/portaal/")
    AuditEvent.objects.bulk_create(
        AuditEvent(event=event, outcome="success", subject=person, details={"kind": "appdevice"})
        for event in ["password.changed", "device.locked", "login.succeeded"] * 30
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(PAGE)
    with django_assert_max_num_queries(len(dashboard.captured_queries)):
        client.get("/portaal/")


def test_the_page_needs_a_full_login_and_a_verified_account(client, unverified):
    assert client.get(PAGE).url.startswith("/inloggen/")
    log_in(client, unverified)
    assert client.get(PAGE).url == "/verificatie/"


@pytest.mark.parametrize("page", ["/portaal/notificaties/", "/portaal/documentatie/"])
def test_the_helpdesk_is_named_once_on_pages_that_name_it_themselves(
    client, person, settings, page
):
    settings.HELPDESK_PHONE = "0851234567"
    log_in(client, person)
    html = client.get(page).content.decode()
    assert html.count('href="tel:+31851234567"') == 1
