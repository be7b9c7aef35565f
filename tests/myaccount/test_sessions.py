"""Mijn account, "Sessies" (ASVS 7.5.2): every login with its browser and services, ending one
or all others; withdrawing a service's consent; an administrator ending them all (7.4.5)."""

import pytest
from django.test import Client

from sso.models import Consent
from tests.sso.relying_party import RelyingParty
from tests.support import GOOD_PASSWORD, log_in, logged_in, next_code_allowed, text
from zorgportaal.browsers import browser_name
from zorgportaal.models import AuditEvent, LoginSession

pytestmark = pytest.mark.django_db
SESSIONS = "/mijn-account/sessies/"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def browser(person, user_agent: str) -> Client:
    """The person logged in from a browser of their own, with the app's next code."""
    next_code_allowed(person)
    client = Client(HTTP_USER_AGENT=user_agent)
    log_in(client, person)
    return client


@pytest.fixture
def laptop(person):
    return browser(person, CHROME_WINDOWS)


@pytest.fixture
def phone(person):
    return browser(person, SAFARI_IPHONE)


def test_the_person_sees_each_session_with_its_browser_and_services(person, laptop, phone):
    service = RelyingParty.register()
    service.sign_in(phone)

    page = text(laptop.get(SESSIONS))

    assert "Chrome op Windows <strong>(deze sessie)</strong>" in page
    assert "Safari op iPhone" in page
    assert "Calculus VIPLive" in page
    assert "Beëindig de sessie in Safari op iPhone" in page
    assert "Beëindig de sessie in Chrome op Windows" not in page


def test_ending_another_session_logs_that_browser_out_and_its_services(
    person, laptop, phone, listener, django_capture_on_commit_callbacks
):
    service = RelyingParty.register(backchannel_logout_uri=listener.url)
    tokens = service.sign_in(phone)
    record = LoginSession.objects.get(login_id=phone.session["login_id"])

    with django_capture_on_commit_callbacks(execute=True):
        answer = laptop.post(f"{SESSIONS}{record.pk}/beeindigen/")

    assert answer["Location"] == SESSIONS
    assert "De sessie is beëindigd." in text(laptop.get(SESSIONS))
    assert phone.get("/portaal/")["Location"].startswith("/inloggen/")
    assert laptop.get("/portaal/").status_code == 200
    assert len(listener.tokens) == 1
    assert service.refresh(Client(), tokens["refresh_token"]).status_code == 400
    record.refresh_from_db()
    assert (record.ended_at is not None, record.end_reason) == (True, "ended_by_person")
    assert AuditEvent.objects.filter(event="session.ended", subject=person).count() == 1


def test_ending_all_other_sessions_keeps_this_one(person, laptop, phone):
    third = browser(person, "curl/8")

    laptop.post(f"{SESSIONS}andere-beeindigen/")

    assert laptop.get("/portaal/").status_code == 200
    for other in (phone, third):
        assert other.get("/portaal/")["Location"].startswith("/inloggen/")
    assert LoginSession.objects.filter(ended_at=None).count() == 1


def test_this_session_is_not_ended_from_the_list(laptop):
    record = LoginSession.objects.get(login_id=laptop.session["login_id"])

    laptop.post(f"{SESSIONS}{record.pk}/beeindigen/")

    assert laptop.get("/portaal/").status_code == 200


def test_nobody_ends_anothers_session(person, laptop, agent):
    theirs = LoginSession.objects.get(login_id=laptop.session["login_id"])
    stranger = logged_in(agent)

    assert stranger.post(f"{SESSIONS}{theirs.pk}/beeindigen/").status_code == 404
    assert laptop.get("/portaal/").status_code == 200


def test_the_record_follows_the_session_key_through_rotations(person, laptop, phone):
    """A new password rotates this session's key: ending it from elsewhere still works."""
    laptop.post(
        "/mijn-account/wachtwoord/",
        {
            "old_password": GOOD_PASSWORD,
            "password1": "een nieuw lang wachtwoord",
            "password2": "een nieuw lang wachtwoord",
        },
    )
    record = LoginSession.objects.get(login_id=laptop.session["login_id"])
    assert record.session_key == laptop.session.session_key


def test_withdrawing_consent_makes_the_service_ask_again_and_ends_its_tokens(person, laptop):
    partner = RelyingParty.register("Partnerdienst", first_party=False)
    consent_page = laptop.get(partner.authorize_url())
    form = consent_page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields if name != "allow"}
    code = partner.callback(laptop.post("/oidc/authorize/", {**data, "allow": "Authorize"}))
    tokens = partner.exchange(Client(), code["code"]).json()
    consent = Consent.objects.get()
    assert "Partnerdienst</strong>, gegeven op" in text(laptop.get(SESSIONS))

    laptop.post(f"/mijn-account/toestemmingen/{consent.pk}/intrekken/")

    assert not Consent.objects.exists()
    assert partner.refresh(Client(), tokens["refresh_token"]).status_code == 400
    assert laptop.get(partner.authorize_url()).status_code == 200  # asks again
    assert AuditEvent.objects.filter(event="sso.consent_revoked").exists()


def test_nobody_withdraws_anothers_consent(person, laptop, agent):
    partner = RelyingParty.register("Partnerdienst", first_party=False)
    consent = Consent.objects.create(user=person, application=partner.service.application)

    answer = logged_in(agent).post(f"/mijn-account/toestemmingen/{consent.pk}/intrekken/")

    assert answer.status_code == 404
    assert Consent.objects.filter(pk=consent.pk).exists()


def test_an_administrator_ends_every_session_of_an_account(admin_client, person, laptop, phone):
    answer = admin_client.post(
        "/admin/accounts/user/",
        {"action": "end_sessions", "_selected_action": [person.pk], "index": 0},
    )

    assert answer.status_code == 302
    for client in (laptop, phone):
        assert client.get("/portaal/")["Location"].startswith("/inloggen/")
    assert not LoginSession.objects.filter(user=person, ended_at=None).exists()
    event = AuditEvent.objects.get(event="session.ended", subject=person)
    assert event.details["by"] == "administrator"
    assert event.actor_email == "beheer@topicus.example"


def test_the_sessions_page_asks_the_database_a_fixed_number_of_times(
    person, laptop, django_assert_max_num_queries
):
    for n in range(4):
        RelyingParty.register(f"Dienst {n}").sign_in(laptop)
    for user_agent in ("a", "b", "c"):
        browser(person, user_agent)

    with django_assert_max_num_queries(12):
        assert laptop.get(SESSIONS).status_code == 200


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (CHROME_WINDOWS, "Chrome op Windows"),
        (SAFARI_IPHONE, "Safari op iPhone"),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox op Linux",
        ),
        ("Mozilla/5.0 (Windows NT 10.0) Chrome/126.0 Safari/537.36 Edg/126.0", "Edge op Windows"),
        ("", "Onbekende browser"),
    ],
)
def test_browsers_are_named_as_people_know_them(user_agent, name):
    assert browser_name(user_agent) == name
