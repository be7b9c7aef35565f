"""Up to "Authenticatiemiddel kiezen" (manual 2.3), and no later step without the steps before."""

import pytest

from tests.support import GOOD_PASSWORD

pytestmark = pytest.mark.django_db

PASSWORD_URL = "/registreren/wachtwoord/"
CHOOSE_URL = "/registreren/authenticatiemiddel/"


def test_a_person_reaches_the_choice_of_factor_from_the_mail(client, invite):
    invitation, link = invite()
    opened = client.get(link)
    assert opened.status_code == 302
    assert opened["Location"] == "/registreren/wachtwoord/"
    page = client.get("/registreren/wachtwoord/")
    assert "Account voor Topicus Zorgportaal instellen" in page.content.decode()
    assert invitation.email in page.content.decode()
    chosen = client.post(
        "/registreren/wachtwoord/", {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert chosen["Location"] == "/registreren/authenticatiemiddel/"
    choose = client.get("/registreren/authenticatiemiddel/")
    assert "Authenticatiemiddel kiezen" in choose.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        PASSWORD_URL,
        CHOOSE_URL,
        "/registreren/app/",
        "/registreren/token/",
        "/portaal/",
        "/verificatie/",
        "/admin/",
    ],
)
def test_no_step_can_be_opened_without_the_link(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/inloggen/")


@pytest.mark.parametrize(
    "url", [CHOOSE_URL, "/registreren/app/", "/registreren/token/", "/portaal/", "/verificatie/"]
)
def test_later_steps_send_a_person_back_to_the_password_step(client, invite, url):
    _, link = invite()
    client.get(link)
    response = client.get(url)
    assert response["Location"] == PASSWORD_URL


@pytest.mark.parametrize("url", ["/portaal/", "/verificatie/", "/admin/", "/inloggen/"])
def test_after_the_password_only_the_choice_of_factor_is_reachable(registered_client, url):
    response = registered_client.get(url)
    assert response["Location"] == CHOOSE_URL


def test_begin_opnieuw_needs_a_post(registered_client):
    assert registered_client.get("/registreren/opnieuw/").status_code == 405


def test_logging_out_ends_the_registration_session(registered_client):
    response = registered_client.post("/uitloggen/")
    assert response["Location"] == "/inloggen/"
    assert registered_client.get(CHOOSE_URL)["Location"].startswith("/inloggen/")
