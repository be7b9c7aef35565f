"""English: a complete, compiled catalogue; the language switch; mails in the person's language.

The Dutch texts are the source. A text without an English translation fails here: run
`make messages`, translate the new entries in locale/en/LC_MESSAGES/django.po, run it again.
"""

import os
import re
import shutil
from contextlib import chdir
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from tests.support import GOOD_PASSWORD, log_in

PO = settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# What `make messages` skips (MESSAGES_IGNORE in the Makefile): no texts of the site there.
NOT_SOURCE = {".venv", "tests", "bench", "staticfiles", "screenshots", "sent-mail", "locale"}
PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sd]|<[^>]+>")


def entries():
    return [entry for entry in polib.pofile(str(PO)) if not entry.obsolete]


def key(entry):
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def test_every_text_has_an_english_translation_that_is_not_fuzzy():
    catalogue = entries()
    assert len(catalogue) > 400
    untranslated = [e.msgid for e in catalogue if not e.translated()]
    assert not untranslated, f"translate in {PO.name}: {untranslated}"
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
    assert not fuzzy, f"check and unmark these fuzzy translations: {fuzzy}"


def test_translations_keep_every_placeholder_and_tag():
    wrong = []
    for entry in entries():
        pairs = (
            [(entry.msgid, entry.msgstr_plural[0]), (entry.msgid_plural, entry.msgstr_plural[1])]
            if entry.msgid_plural
            else [(entry.msgid, entry.msgstr)]
        )
        wrong += [
            (source, english)
            for source, english in pairs
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(english))
        ]
    assert not wrong


def test_the_committed_mo_file_is_compiled_from_the_po_file():
    compiled = {key(e): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(MO)) if e.msgid}
    source = {key(e): (e.msgstr, e.msgstr_plural) for e in entries()}
    assert compiled == source, "run `make messages` to compile django.mo"


def test_makemessages_finds_no_text_that_the_catalogue_lacks(tmp_path, settings):
    """Collect the texts afresh, as `make messages` does, into a scratch copy of the project."""
    if not (shutil.which("xgettext") and shutil.which("msgmerge")):
        message = "GNU gettext is missing: run `make gettext-deps` (Debian's gettext)"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI this check must run, never skip
        pytest.skip(message)
    for source in Path(settings.BASE_DIR).iterdir():
        if source.name not in NOT_SOURCE and not source.name.startswith("."):
            (tmp_path / source.name).symlink_to(source)
    (tmp_path / "locale").mkdir()
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    with chdir(tmp_path):
        call_command(
            "makemessages",
            locale=["en"],
            symlinks=True,
            ignore_patterns=["*.egg-info"],
            add_location="never",
            verbosity=0,
        )
    fresh = {key(e) for e in polib.pofile(str(tmp_path / PO.relative_to(settings.BASE_DIR)))}
    committed = {key(e) for e in entries()}
    assert not fresh - committed, f"new texts, run `make messages`: {sorted(fresh - committed)}"
    assert not committed - fresh, f"texts no longer used, run `make messages`: {committed - fresh}"


# The switch and the pages


def switch(client, language, next_url="/inloggen/"):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


@pytest.mark.django_db
def test_the_language_switch_is_remembered_for_a_year(client):
    response = switch(client, "en")
    assert response.status_code == 302 and response["Location"] == "/inloggen/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en" and int(cookie["max-age"]) >= 364 * 24 * 3600
    page = client.get("/inloggen/").content.decode()
    assert '<html lang="en">' in page
    assert "<title>Log in – ZorgPortaal</title>" in page
    assert "Enter your user name or e-mail address" in page
    assert '<option value="en" lang="en" selected>English</option>' in page

    switch(client, "nl")
    assert '<html lang="nl">' in client.get("/inloggen/").content.decode()


@pytest.mark.django_db
def test_without_a_choice_the_browser_language_decides(client):
    page = client.get("/inloggen/", headers={"accept-language": "en-GB,en;q=0.8"})
    assert "Log in to <strong>ZorgPortaal</strong>" in page.content.decode()
    page = client.get("/inloggen/", headers={"accept-language": "de-DE"})
    assert "Inloggen op <strong>ZorgPortaal</strong>" in page.content.decode()


def test_the_switch_works_at_every_step_of_the_journey(registered_client):
    """Half-way through the registration the gate lets the switch through, and back."""
    response = switch(registered_client, "en", "/registreren/authenticatiemiddel/")
    assert response["Location"] == "/registreren/authenticatiemiddel/"
    page = registered_client.get(response["Location"]).content.decode()
    assert "Choose an authentication method" in page and "Step 2 of 4" in page


def test_the_switch_only_returns_to_this_site(client, db):
    response = switch(client, "en", "https://elders.example/")
    assert response.status_code == 302 and "elders.example" not in response["Location"]


def test_a_page_with_mistakes_says_so_in_its_title(client, db):
    page = client.post("/inloggen/", {"email": "", "password": ""}).content.decode()
    assert "<title>Fout: Inloggen – ZorgPortaal</title>" in page
    switch(client, "en")
    page = client.post("/inloggen/", {"email": "", "password": ""}).content.decode()
    assert "<title>Error: Log in – ZorgPortaal</title>" in page


# Mails


def test_the_invitation_mail_is_in_the_language_the_servicedesk_chose(
    organisation, role, django_capture_on_commit_callbacks
):
    from accounts.invitations import invitations_create

    with django_capture_on_commit_callbacks(execute=True):
        invitations_create(
            text="jane@delinde.example", organisation=organisation, role=role, language="en"
        )
    message = mail.outbox[-1]
    assert message.subject == "Registration for your Topicus Zorg Account"
    assert "has signed you up for a personal Topicus Zorg Account" in message.body
    html = message.alternatives[0][0]
    assert '<html lang="en">' in html
    assert "<title>Registration for your Topicus Zorg Account" in html


def test_a_password_reset_asked_in_english_is_mailed_in_english(
    client, person, django_capture_on_commit_callbacks
):
    switch(client, "en")
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes after the commit
        client.post("/wachtwoord-vergeten/", {"email": person.email})
    message = mail.outbox[-1]
    assert message.subject == "Choose a new password for your Topicus Zorg Account"
    assert "Someone asked for a new password" in message.body


def test_a_password_changed_in_english_is_confirmed_in_english(client, person):
    log_in(client, person)
    switch(client, "en", "/mijn-account/wachtwoord/")
    client.post(
        "/mijn-account/wachtwoord/",
        {
            "old_password": GOOD_PASSWORD,
            "password1": "een heel ander lang wachtwoord",
            "password2": "een heel ander lang wachtwoord",
        },
    )
    message = mail.outbox[-1]
    assert message.subject == "The password of your Topicus Zorg Account has been changed"
    assert '<html lang="en">' in message.alternatives[0][0]


def test_a_dutch_visitor_gets_dutch_mails(client, person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes after the commit
        client.post("/wachtwoord-vergeten/", {"email": person.email})
    assert mail.outbox[-1].subject == "Nieuw wachtwoord kiezen voor uw Topicus Zorg Account"
