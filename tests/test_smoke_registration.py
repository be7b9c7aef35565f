from tests.support import GOOD_PASSWORD


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
