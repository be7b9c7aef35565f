"""The mails that say to contact the helpdesk (factor locked, factors reset, password changed)
say how, from HELPDESK_PHONE, HELPDESK_EMAIL and HELPDESK_URL as the help box on every page does
(zorgportaal.site): a line each in the text body, links in the HTML body. Without them a mail is
as it was; SITE_NAME names where one logs in."""

import pytest
from django.core import mail

from tests.support import GOOD_PASSWORD, log_in
from zorgportaal import emails

pytestmark = pytest.mark.django_db

CONTACT_LINES = (
    "Telefoon: 085 123 4567\n"
    "E-mail: helpdesk@topicus.example\n"
    "Hulp en veelgestelde vragen: https://hulp.topicus.example/zorgportaal?onderwerp=inloggen&taal=nl\n"
)
CONTACT_LINKS = [
    '<li>Telefoon: <a href="tel:+31851234567">085 123 4567</a></li>',
    '<li>E-mail: <a href="mailto:helpdesk@topicus.example">helpdesk@topicus.example</a></li>',
    '<li><a href="https://hulp.topicus.example/zorgportaal?onderwerp=inloggen&amp;taal=nl">'
    "Hulp en veelgestelde vragen</a></li>",
]
LOCKED = {"device_name": "iPhone van Anna", "failures": 100, "reset_url": "https://x/reset/"}
LOCKED_ASK = (
    "Neem contact op met de helpdesk om het authenticatiemiddel te laten deblokkeren of een "
    "nieuw te laten instellen.\n"
)
MAILS = {  # mail: (its context, the sentence that says to contact the helpdesk)
    "factor-locked": (LOCKED, LOCKED_ASK),
    "factor-reset": (
        {"login_url": "https://x/inloggen/"},
        "Heeft u hier niet om gevraagd? Neem dan direct contact op met de helpdesk.\n",
    ),
    "password-changed": (
        {},
        "Heeft u dit niet zelf gedaan? Neem dan direct contact op met de helpdesk.\n",
    ),
}


@pytest.fixture
def reachable(settings):
    settings.HELPDESK_PHONE = "0851234567"
    settings.HELPDESK_EMAIL = "helpdesk@topicus.example"
    settings.HELPDESK_URL = "https://hulp.topicus.example/zorgportaal?onderwerp=inloggen&taal=nl"


def sent(name: str) -> mail.EmailMessage:
    emails.send(name, "anna.devries@delinde.example", MAILS[name][0])
    return mail.outbox[-1]


@pytest.mark.parametrize("name", MAILS)
def test_the_text_body_lists_the_contact_below_the_sentence_that_asks_for_it(reachable, name):
    ask = MAILS[name][1]
    body = sent(name).body
    assert ask + CONTACT_LINES + "\n" in body  # then an empty line, as between paragraphs


@pytest.mark.parametrize("name", MAILS)
def test_the_html_body_links_the_phone_the_address_and_the_help_page(reachable, name):
    html = sent(name).alternatives[0][0]
    for link in CONTACT_LINKS:
        assert link in html
    asked = html.index(MAILS[name][1].strip())
    assert asked < html.index(CONTACT_LINKS[0]) < html.index("Met vriendelijke groet")


@pytest.mark.parametrize("name", MAILS)
def test_without_contact_settings_a_mail_keeps_its_paragraphs_and_has_no_links(name):
    message = sent(name)
    assert MAILS[name][1] + "\n" in message.body  # the sentence, an empty line, the next one
    assert "\n\n\n" not in message.body
    for text in (message.body, message.alternatives[0][0]):
        assert "Telefoon" not in text and "tel:" not in text and "mailto:" not in text
    assert "<ul" not in message.alternatives[0][0]


def test_only_the_parts_that_are_set_are_listed(settings):
    settings.HELPDESK_EMAIL = "helpdesk@topicus.example"
    message = sent("password-changed")
    assert (
        "Neem dan direct contact op met de helpdesk.\nE-mail: helpdesk@topicus.example\n\n"
        in message.body
    )
    assert "Telefoon" not in message.body and "Hulp en veelgestelde vragen" not in message.body
    html = message.alternatives[0][0]
    assert CONTACT_LINKS[1] in html and "tel:" not in html


def test_the_locked_factor_mail_whole(reachable):
    assert sent("factor-locked").body == (
        "Beste collega,\n\n"
        "Voor uw authenticatiemiddel ‘iPhone van Anna’ is 100 keer achter elkaar een onjuiste "
        "code ingevuld. Daarom is het geblokkeerd: u kunt er niet meer mee inloggen op "
        "ZorgPortaal.\n\n"
        "Dat hoeft niet door u te zijn gebeurd: iemand die uw wachtwoord kent, kan codes hebben "
        "geprobeerd.\n\n" + LOCKED_ASK + CONTACT_LINES + "\n"
        "Heeft u zelf geen codes ingevuld? Kies dan ook een nieuw wachtwoord via ‘Wachtwoord "
        "vergeten?’:\nhttps://x/reset/\n\n"
        "Met vriendelijke groet,\nTopicus Servicedesk\n\n"
    )


def test_the_mails_name_the_environment_one_logs_in_to(settings):
    settings.SITE_NAME = "ZorgPortaal Acceptatie"
    for name, said in [
        ("factor-locked", "u kunt er niet meer mee inloggen op ZorgPortaal Acceptatie."),
        ("factor-reset", "Bij uw volgende inlog op ZorgPortaal Acceptatie kiest u een nieuw"),
    ]:
        message = sent(name)
        assert said in message.body
        assert said in message.alternatives[0][0]


def test_a_password_changed_in_mijn_account_mails_the_helpdesks_contact(client, reachable, person):
    log_in(client, person)
    client.post(
        "/mijn-account/wachtwoord/",
        {"old_password": GOOD_PASSWORD, "password1": "een ander lang wachtwoord",
         "password2": "een ander lang wachtwoord"},
    )  # fmt: skip
    message = mail.outbox[-1]
    assert message.subject == "Het wachtwoord van uw Topicus Zorg Account is gewijzigd"
    assert CONTACT_LINES in message.body
