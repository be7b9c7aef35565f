"""Logging in with two factors (manual 2.8), and every way it refuses; the start page and
"Geen account?" that lead there."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.support import GOOD_PASSWORD, log_in
from tokens.testing import device_code
from zorgportaal import throttle
from zorgportaal.models import AuditEvent, Throttle
from zorgportaal.security import LINK_POLICY

pytestmark = pytest.mark.django_db

LOGIN = "/inloggen/"
CODE = "/inloggen/code/"


def post_password(client, email, password=GOOD_PASSWORD):
    return client.post(LOGIN, {"email": email, "password": password})


def test_the_login_page_has_the_manuals_texts(client):
    page = client.get(LOGIN).content.decode()
    assert "Inloggen op <strong>ZorgPortaal</strong>" in page
    assert "Vul uw gebruikersnaam of e-mailadres in" in page
    assert "Vul uw wachtwoord in" in page
    assert "Volgende" in page
    assert "Wachtwoord vergeten?" in page
    assert "Geen account?" in page
    assert 'autocomplete="username webauthn"' in page  # passkeys offered in its autofill
    assert 'autocomplete="current-password"' in page


def test_password_then_code_leads_to_the_dashboard(client, person):
    response = post_password(client, "Anna.DeVries@delinde.example ")
    assert response["Location"] == CODE
    page = client.get(CODE).content.decode()
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page
    response = client.post(
        CODE, {"device": person.app.persistent_id, "code": device_code(person.app)}
    )
    assert response["Location"] == "/portaal/"
    page = client.get("/portaal/").content.decode()
    assert "Anna de Vries" in page
    assert "Doktersassistent" in page


def test_spaces_in_the_code_are_ignored(client, person):
    post_password(client, person.email)
    code = device_code(person.app)
    response = client.post(
        CODE, {"device": person.app.persistent_id, "code": f"{code[:3]} {code[3:]}"}
    )
    assert response["Location"] == "/portaal/"


def test_the_session_key_changes_after_the_password_and_after_the_code(client, person):
    client.get(LOGIN)
    first = client.session.session_key
    post_password(client, person.email)
    second = client.session.session_key
    client.post(CODE, {"device": person.app.persistent_id, "code": device_code(person.app)})
    third = client.session.session_key
    assert len({first, second, third}) == 3


def test_a_wrong_password_gets_the_same_message_as_an_unknown_address(client, person, invite):
    invite("uitgenodigd.niet.geregistreerd@delinde.example")
    answers = [
        post_password(Client(), person.email, "fout wachtwoord"),
        post_password(Client(), "niemand@delinde.example"),
        post_password(Client(), "uitgenodigd.niet.geregistreerd@delinde.example"),
    ]
    assert {a.status_code for a in answers} == {200}
    bodies = {a.content.decode().replace(a.wsgi_request.META["CSRF_COOKIE"], "") for a in answers}
    messages = {"Het e-mailadres of wachtwoord klopt niet" in b for b in bodies}
    assert messages == {True}


def test_an_inactive_account_gets_the_same_message(client, person):
    User.objects.filter(pk=person.pk).update(is_active=False)
    response = post_password(client, person.email)
    assert "Het e-mailadres of wachtwoord klopt niet" in response.content.decode()


def test_a_wrong_code_is_refused_and_the_session_stays_half_logged_in(client, person):
    post_password(client, person.email)
    wrong = f"{(int(device_code(person.app)) + 1) % 1_000_000:06d}"
    response = client.post(CODE, {"device": person.app.persistent_id, "code": wrong})
    assert "Deze code klopt niet of is al gebruikt" in response.content.decode()
    assert client.get("/portaal/")["Location"] == CODE


def test_a_code_is_accepted_only_once(client, person):
    code = device_code(person.app)
    post_password(client, person.email)
    client.post(CODE, {"device": person.app.persistent_id, "code": code})
    other = Client()
    post_password(other, person.email)
    response = other.post(CODE, {"device": person.app.persistent_id, "code": code})
    assert "Deze code klopt niet of is al gebruikt" in response.content.decode()


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "١٢٣٤٥٦"])
def test_a_code_that_is_not_six_digits_says_so(client, person, code):
    post_password(client, person.email)
    response = client.post(CODE, {"device": person.app.persistent_id, "code": code})
    assert "Vul de 6 cijfers in" in response.content.decode()


def test_the_code_step_expires_after_ten_minutes(client, person):
    post_password(client, person.email)
    with time_machine.travel(time.time() + 601):
        response = client.get(CODE)
        assert response["Location"].startswith(LOGIN)
        page = client.get(LOGIN).content.decode()
    assert "Uw sessie is verlopen" in page


def test_a_person_with_two_devices_can_pick_one(client, person):
    from tokens.models import AppDevice

    tablet = AppDevice.objects.create(user=person, name="Tablet", confirmed=True)
    post_password(client, person.email)
    page = client.get(CODE).content.decode()
    assert "Authenticator-app" in page
    assert "Tablet" in page
    response = client.post(CODE, {"device": tablet.persistent_id, "code": device_code(tablet)})
    assert response["Location"] == "/portaal/"


def test_another_persons_device_cannot_be_picked(client, person, organisation):
    from tokens.models import AppDevice

    other = User.objects.create_user("ander@delinde.example", GOOD_PASSWORD)
    theirs = AppDevice.objects.create(user=other, name="Hun app", confirmed=True)
    post_password(client, person.email)
    response = client.post(CODE, {"device": theirs.persistent_id, "code": device_code(theirs)})
    assert response.status_code == 200
    assert client.get("/portaal/")["Location"] == CODE


@pytest.mark.parametrize(
    "next_url",
    ["//evil.example/", "https:evil.example", "/\\evil.example", "https://evil.example/x"],
)
def test_next_never_leads_off_the_site(client, person, next_url):
    client.post(LOGIN + f"?next={next_url}", {"email": person.email, "password": GOOD_PASSWORD})
    response = client.post(
        CODE, {"device": person.app.persistent_id, "code": device_code(person.app)}
    )
    assert response["Location"] == "/portaal/"


def test_next_within_the_site_is_followed_after_the_code(client, person):
    client.post(LOGIN + "?next=/mijn-account/", {"email": person.email, "password": GOOD_PASSWORD})
    response = client.post(
        CODE, {"device": person.app.persistent_id, "code": device_code(person.app)}
    )
    assert response["Location"] == "/mijn-account/"


def site_urls():
    """Every page of the site a fully logged-in person could open, by name."""
    return [
        reverse(name)
        for name in [
            "portal:dashboard",
            "portal:notifications",
            "portal:documentation",
            "myaccount:overview",
            "myaccount:password",
            "registration:choose_factor",
            "registration:password",
            "myaccount:add_app",
            "myaccount:add_token",
            "registration:done",
            "myaccount:csv",
            "verification:start",
            "admin:index",
            "admin:accounts_invitation_changelist",
        ]
    ]


@pytest.mark.parametrize("url", site_urls())
def test_a_half_logged_in_session_reaches_only_the_code_step(client, person, url):
    post_password(client, person.email)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == CODE


def test_the_password_is_throttled_per_account_with_rising_waits(client, person):
    for _ in range(5):
        post_password(client, person.email, "fout")
    response = post_password(client, person.email)  # even the right password waits now
    assert (
        "Te veel mislukte pogingen. Probeer het over 30 seconden opnieuw."
        in response.content.decode()
    )
    with time_machine.travel(time.time() + 31):
        post_password(client, person.email, "fout")
        response = post_password(client, person.email)
        assert "Probeer het over 60 seconden opnieuw." in response.content.decode()
    # Both refusals are counted; the trail records the first of the window (test_audit_flood).
    assert AuditEvent.objects.filter(event="login.throttled").count() == 1
    assert Throttle.objects.get(key__startswith="password-account:").refused == 2


def test_unknown_addresses_are_throttled_alike(client):
    for _ in range(5):
        post_password(client, "niemand@delinde.example", "fout")
    response = post_password(client, "niemand@delinde.example", "fout")
    assert "Te veel mislukte pogingen" in response.content.decode()


def test_a_successful_login_resets_the_accounts_count(client, person):
    for _ in range(4):
        post_password(client, person.email, "fout")
    log_in(client, person)
    client.post("/uitloggen/")
    for _ in range(4):
        post_password(client, person.email, "fout")
    assert "Te veel" not in post_password(client, person.email, "fout").content.decode()


def test_one_client_cannot_lock_out_other_addresses_for_long(client, person):
    """Twenty failures from one address block that address, not the account elsewhere."""
    for number in range(20):
        post_password(client, f"poging{number}@delinde.example", "fout")
    assert "Te veel" in post_password(client, "nog.een@delinde.example").content.decode()
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert post_password(elsewhere, person.email)["Location"] == CODE


def test_the_code_is_throttled_per_account(client, person):
    post_password(client, person.email)
    for _ in range(5):
        client.post(CODE, {"device": person.app.persistent_id, "code": "000000"})
        person.app.refresh_from_db()
        type(person.app).objects.filter(pk=person.app.pk).update(throttling_failure_timestamp=None)
    response = client.post(
        CODE, {"device": person.app.persistent_id, "code": device_code(person.app)}
    )
    assert "Te veel mislukte pogingen" in response.content.decode()
    assert Throttle.objects.filter(key__startswith="code-account:").exists()


def test_logout_ends_the_session_on_the_server(client, person):
    log_in(client, person)
    session_key = client.session.session_key
    client.post("/uitloggen/")
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get("/portaal/")["Location"].startswith(LOGIN)


def test_the_audit_trail_records_logins_and_logouts(client, person):
    post_password(client, person.email, "fout")
    log_in(client, person)
    client.post("/uitloggen/")
    events = list(AuditEvent.objects.order_by("id").values_list("event", "outcome"))
    assert events == [
        ("login.failed", "failure"),
        ("login.password_accepted", "success"),
        ("login.succeeded", "success"),
        ("logout", "success"),
    ]


def test_mail_is_not_sent_at_login(client, person):
    log_in(client, person)
    assert mail.outbox == []


def test_a_guesser_failing_all_day_keeps_getting_the_wait_page_not_an_error(client, person):
    """Half a day of one failure per wait once overflowed the doubling: a 500, not a wait."""
    row = Throttle.objects.create(
        key=throttle.key_for("password-account", person.email), failures=200
    )
    with time_machine.travel(row.updated_at + timedelta(seconds=1), tick=False):
        failed = client.post("/inloggen/", {"email": person.email, "password": "fout"})
        refused = client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    assert failed.status_code == refused.status_code == 200
    assert "Probeer het over 15 minuten opnieuw." in refused.content.decode()
    for policy in (throttle.ACCOUNT, throttle.CLIENT, LINK_POLICY):
        assert policy.wait_after(10_000) == policy.cap


def test_the_login_pages_need_few_queries(client, person, django_assert_max_num_queries):
    # The session that keeps "Inloggen met passkey"'s challenge: made with the page, so no later
    # answer can set a cookie over the one a login sets (issue 16).
    with django_assert_max_num_queries(4):
        client.get("/inloggen/")
    # two throttle counters, an audit event, and the page's new challenge
    with django_assert_max_num_queries(19):
        client.post("/inloggen/", {"email": person.email, "password": "fout"})
    # which stage the new session key is at, whether the person has a key to ask, and the
    # page's anonymous session replaced by the login's
    with django_assert_max_num_queries(17):
        client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    with django_assert_max_num_queries(8):
        client.get("/inloggen/code/")


def test_failures_counted_from_one_client_are_enforced_for_every_client(person):
    """The count lives in the shared database, so every app server and client sees it."""
    for n in range(5):
        Client(REMOTE_ADDR=f"10.0.0.{n + 1}").post(
            "/inloggen/", {"email": person.email, "password": "fout"}
        )
    response = Client(REMOTE_ADDR="10.0.0.99").post(
        "/inloggen/", {"email": person.email, "password": GOOD_PASSWORD}
    )
    assert "Te veel mislukte pogingen" in response.content.decode()


def test_geen_account_explains_that_accounts_come_through_the_organisation(client):
    page = client.get("/geen-account/").content.decode()
    assert "Uw organisatie geeft uw e-mailadres door aan de Topicus Servicedesk" in page


def test_the_start_page_offers_the_topicus_zorg_account_tile(client):
    page = client.get("/").content.decode()
    assert "Topicus Zorg Account" in page
    assert 'href="/inloggen/"' in page
