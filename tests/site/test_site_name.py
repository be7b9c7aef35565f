"""The environment's name (SITE_NAME, the manual's "ZorgPortaal Acceptatie") in titles, the
header, the login and done pages, the error pages and the mails; the default keeps the manual's
"ZorgPortaal" and the mails' subjects as they are."""

import pytest
from django.core import mail

from tests.support import GOOD_PASSWORD, log_in
from tokens.models import AppDevice
from tokens.testing import device_code
from zorgportaal.security import error_page

pytestmark = pytest.mark.django_db

ACCEPTANCE = "ZorgPortaal Acceptatie"


@pytest.fixture
def acceptance(settings):
    settings.SITE_NAME = ACCEPTANCE


def test_the_default_name_is_zorgportaal_as_in_the_manual(client):
    page = client.get("/inloggen/").content.decode()
    assert "<title>Inloggen – ZorgPortaal</title>" in page
    assert '<a class="brand" href="/">ZorgPortaal</a>' in page
    assert "Inloggen op <strong>ZorgPortaal</strong>" in page


def test_the_login_pages_name_the_environment(client, acceptance, person):
    page = client.get("/inloggen/").content.decode()
    assert f"<title>Inloggen – {ACCEPTANCE}</title>" in page
    assert f'<a class="brand" href="/">{ACCEPTANCE}</a>' in page
    assert f"Inloggen op <strong>{ACCEPTANCE}</strong>" in page
    assert f"Dit is de inlogpagina van {ACCEPTANCE}." in page
    assert f'<a class="back" href="/">◀ Annuleer en ga terug naar {ACCEPTANCE}</a>' in page
    assert f"<h1>Inloggen op {ACCEPTANCE}</h1>" in client.get("/").content.decode()
    client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    code_page = client.get("/inloggen/code/").content.decode()
    assert f"Inloggen op <strong>{ACCEPTANCE}</strong>" in code_page


def test_the_done_page_continues_to_the_named_environment(acceptance, registered_client):
    registered_client.get("/registreren/app/")
    device = AppDevice.objects.get(user=registered_client.user)
    registered_client.post("/registreren/app/", {"code": device_code(device)})
    page = registered_client.get("/registreren/klaar/").content.decode()
    assert f"Doorgaan naar {ACCEPTANCE}" in page


def test_pages_behind_the_login_carry_the_name(client, acceptance, person):
    log_in(client, person)
    page = client.get("/portaal/").content.decode()
    assert f"– {ACCEPTANCE}</title>" in page
    assert f">{ACCEPTANCE}</a>" in page


def test_the_error_pages_carry_the_name(client, acceptance):
    assert f"– {ACCEPTANCE}</title>" in client.get("/bestaat-niet/").content.decode()
    standalone = error_page("503.html", 503).content.decode()
    assert f"– {ACCEPTANCE}</title>" in standalone
    assert f'<a class="brand" href="/">{ACCEPTANCE}</a>' in standalone


def test_a_mail_from_another_environment_names_it_in_subject_and_body(acceptance, invite):
    invite()
    message = mail.outbox[-1]
    assert message.subject == f"Registratie voor uw Topicus Zorg Account ({ACCEPTANCE})"
    assert f"waarmee u inlogt op {ACCEPTANCE}." in message.body
    html = message.alternatives[0][0]
    assert f"waarmee u inlogt op {ACCEPTANCE}." in html


def test_a_mail_under_the_default_name_keeps_its_subject(invite):
    invite()
    message = mail.outbox[-1]
    assert message.subject == "Registratie voor uw Topicus Zorg Account"
    assert "waarmee u inlogt op ZorgPortaal." in message.body
