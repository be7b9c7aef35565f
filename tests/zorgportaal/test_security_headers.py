"""Security headers on every page of every stage, production cookies, HSTS and the deploy check."""

import functools
import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth.models import Permission
from django.http import FileResponse, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import User
from tests.support import GOOD_PASSWORD, give_app, log_in, unverify
from verification.models import Conversation
from zorgportaal.devkeys import new_signing_key
from zorgportaal.security import SecurityHeadersMiddleware

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_helpdesk")]

CSP_DIRECTIVES = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
}


def assert_secure_headers(response, url):
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
    assert {part.strip() for part in csp.split(";")} >= CSP_DIRECTIVES, (url, csp)
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["Referrer-Policy"] in ("same-origin", "strict-origin", "no-referrer"), url
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
    assert response["X-Frame-Options"] == "DENY", url
    assert "no-store" in response["Cache-Control"], url
    assert response["Permissions-Policy"].startswith("camera=()"), url


def anonymous_pages(invite):
    invite("iemand@delinde.example")
    return Client(), [
        reverse("signin:start"),
        reverse("signin:login"),
        reverse("signin:no_account"),
        reverse("signin:password_reset"),
        reverse("signin:password_reset_done"),
        reverse("registration:invitation_link", args=["ongeldig-token"]),
        reverse("signin:password_reset_confirm", args=["MQ", "ongeldig-token"]),
    ]


def registration_pages(invite):
    client = Client()
    _invitation, link = invite("nieuw@delinde.example")
    client.get(link)
    return client, [reverse("registration:password"), reverse("signin:start")]


def enrolment_pages(registered_client):
    return registered_client, [
        reverse("registration:choose_factor"),
        reverse("registration:password"),
        reverse("registration:app"),
        reverse("registration:token"),
    ]


def second_factor_pages(person):
    client = Client()
    client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    return client, [reverse("signin:code"), reverse("verification:lost_factor")]


def helpdesk_pages(person):
    unverify(person)
    client = Client()
    log_in(client, person)
    client.post(reverse("verification:chat_start"))
    conversation = Conversation.objects.get(person=person)
    return client, [
        reverse("verification:start"),
        reverse("registration:done"),
        reverse("verification:chat", args=[conversation.pk]),
    ]


def portal_pages(person):
    client = Client()
    log_in(client, person)
    return client, [
        reverse("portal:dashboard"),
        reverse("portal:notifications"),
        reverse("portal:documentation"),
        reverse("myaccount:overview"),
        reverse("myaccount:password"),
        reverse("myaccount:confirm_code"),
        reverse("myaccount:csv"),
    ]


def staff_pages():
    admin = User.objects.create_superuser("beheer@topicus.example", GOOD_PASSWORD)
    admin.user_permissions.add(Permission.objects.get(codename="helpdesk"))
    client = Client()
    log_in(client, give_app(admin))
    return client, [
        reverse("admin:index"),
        reverse("admin:zorgportaal_auditevent_changelist"),
        reverse("admin:accounts_invitation_changelist"),
        reverse("admin:accounts_invitation_invite"),
        reverse("admin:accounts_user_changelist"),
        reverse("helpdesk:queue"),
        reverse("helpdesk:phone"),
    ]


@pytest.mark.parametrize(
    "stage", ["anonymous", "registration", "enrolment", "second_factor", "helpdesk", "portal"]
)
def test_every_page_of_every_stage_has_the_security_headers(stage, request):
    fixture = request.getfixturevalue
    client, urls = {
        "anonymous": lambda: anonymous_pages(fixture("invite")),
        "registration": lambda: registration_pages(fixture("invite")),
        "enrolment": lambda: enrolment_pages(fixture("registered_client")),
        "second_factor": lambda: second_factor_pages(fixture("person")),
        "helpdesk": lambda: helpdesk_pages(fixture("person")),
        "portal": lambda: portal_pages(fixture("person")),
    }[stage]()
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404, 410), (url, response.status_code)
        assert_secure_headers(response, url)


def test_every_staff_page_has_the_security_headers():
    client, urls = staff_pages()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secure_headers(response, url)


def test_redirects_and_posts_have_them_too(person):
    client = Client()
    response = client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert_secure_headers(response, "/inloggen/ POST")
    assert_secure_headers(client.get("/portaal/"), "/portaal/ at the code step")


def test_the_valid_invitation_link_answers_no_referrer(invite):
    _invitation, link = invite()
    response = Client().get(link)
    assert response.status_code == 302
    assert response["Referrer-Policy"] == "no-referrer"
    assert link not in response["Location"]


def test_a_wrong_link_page_sends_only_the_origin_as_referer():
    for path in ["/uitnodiging/ongeldig/", "/wachtwoord-vergeten/MQ/ongeldig/"]:
        assert Client().get(path)["Referrer-Policy"] == "strict-origin", path


def test_the_reset_link_answers_no_referrer_and_continues_without_the_token(
    client, person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes after the commit
        client.post("/wachtwoord-vergeten/", {"email": person.email})
    from django.core import mail

    path = mail.outbox[-1].body.split("https://portaal.example.nl", 1)[1].split()[0]
    response = client.get(path)
    assert response.status_code == 302
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Location"].endswith("/set-password/")


def test_static_files_keep_their_caching():
    middleware = SecurityHeadersMiddleware(lambda request: FileResponse(open(__file__, "rb")))  # noqa: SIM115
    response = middleware(RequestFactory().get("/static/css/zorgportaal.css"))
    assert "no-store" not in response.get("Cache-Control", "")
    middleware = SecurityHeadersMiddleware(lambda request: HttpResponse("x"))
    assert "no-store" in middleware(RequestFactory().get("/portaal/"))["Cache-Control"]


def test_production_cookies_are_host_prefixed_secure_httponly_and_samesite(person):
    client = Client()
    page = client.get("/inloggen/")
    csrf = page.cookies["__Host-csrftoken"]
    response = log_in(client, person)
    session = response.cookies["__Host-sessionid"]
    for cookie in (csrf, session):
        assert cookie["secure"]
        assert cookie["httponly"]
        assert cookie["samesite"] == "Lax"
        assert cookie["path"] == "/"
        assert not cookie["domain"]


def test_hsts_is_a_year_with_subdomains_on_https(settings, client):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/inloggen/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# The production settings, as a server started with them would have them

PRODUCTION_ENV = {
    "PATH": "/usr/bin:/bin",
    "DJANGO_SETTINGS_MODULE": "zorgportaal.settings",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "portaal.example.nl",
    "SITE_URL": "https://portaal.example.nl",
}


@functools.cache
def production_signing_key() -> str:
    return new_signing_key()


def production_env(**extra):
    return {
        **PRODUCTION_ENV,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "OTP_SEED_KEY": secrets.token_urlsafe(32),
        "OIDC_SIGNING_KEY": production_signing_key(),
        "DATABASE_URL": os.environ.get("DATABASE_URL", "sqlite:////tmp/zorgportaal-check.db"),
        **extra,
    }


def run(args, env):
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args], env=env, capture_output=True, text=True, check=False
    )


def test_the_production_settings_turn_everything_on():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = run(["-c", code], production_env(SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(maxsplit=7) == [
        "True",
        "31536000",
        "True",
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO', 'https')\n",
    ]


def test_the_deploy_check_is_clean_with_the_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_fails_without_a_seed_key_or_https():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(OTP_SEED_KEY="", SITE_URL="http://portaal.example.nl"),
    )
    assert result.returncode != 0
    for check in ("tokens.W001", "security.W004", "security.W008"):
        assert check in result.stderr + result.stdout


def test_the_language_cookie_is_host_prefixed_and_secure_too():
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "/"})
    cookie = response.cookies["__Host-django_language"]
    assert cookie["secure"]
    assert cookie["path"] == "/"
    assert not cookie["domain"]
