"""Logging in, the first administrator and a forgotten password, in a real browser."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from tests.support import GOOD_PASSWORD
from tokens.testing import code_for, device_code, seed_of

pytestmark = pytest.mark.browser


def log_in(page, email, password, device):
    page.goto("/")
    page.get_by_role("link", name="Topicus Zorg Account").click()
    page.get_by_label("Vul uw gebruikersnaam of e-mailadres in").fill(email)
    page.get_by_label("Vul uw wachtwoord in").fill(password)
    page.get_by_role("button", name="Volgende").click()
    expect(page).to_have_url(re.compile("/inloggen/code/$"))
    page.get_by_label("Code").fill(device_code(device))
    page.get_by_role("button", name="Volgende").click()


def test_a_registered_person_logs_in_and_sees_the_dashboard(page, person):
    User.objects.filter(pk=person.pk).update(last_login="2026-11-08T10:15:00+01:00")
    log_in(page, person.email, GOOD_PASSWORD, person.app)
    expect(page).to_have_url(re.compile("/portaal/$"))
    expect(page.get_by_role("heading", name="Diensten")).to_be_visible()
    expect(page.get_by_text("Laatste inlog: 08-11-2026 10:15")).to_be_visible()
    expect(page.get_by_text("BSN: niet beschikbaar")).to_be_visible()
    expect(page.get_by_text("geb. datum: onbekend")).to_be_visible()
    for item in ["Notificaties", "Opties", "Documentatie"]:
        expect(page.get_by_role("link", name=item)).to_be_visible()
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_text("U bent uitgelogd.")).to_be_visible()
    page.goto("/portaal/")
    expect(page).to_have_url(re.compile("/inloggen/"))


def test_the_first_administrator_binds_an_app_at_the_first_login(page, monkeypatch, db):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", GOOD_PASSWORD)
    call_command("createsuperuser", "--noinput", "--email", "beheer@topicus.example")
    page.goto("/inloggen/")
    page.get_by_label("Vul uw gebruikersnaam of e-mailadres in").fill("beheer@topicus.example")
    page.get_by_label("Vul uw wachtwoord in").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Authenticatiemiddel kiezen")
    page.goto("/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Authenticatiemiddel kiezen")

    page.get_by_role("link", name="Gebruik app").click()
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Code uit de app").fill(code_for(seed_of(secret)))
    page.get_by_role("button", name="Bevestig").click()
    page.get_by_role("link", name="Doorgaan naar ZorgPortaal").click()
    expect(page.get_by_role("heading", name="Diensten")).to_be_visible()
    page.goto("/admin/")
    expect(page.get_by_role("link", name="Uitnodigingen")).to_be_visible()


def test_a_forgotten_password_is_replaced_by_mail(page, person):
    page.goto("/inloggen/")
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    page.get_by_label("Vul uw e-mailadres in").fill(person.email)
    page.get_by_role("button", name="Verstuur link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Controleer uw mail")

    link = re.search(r"https://portaal\.example\.nl(\S+)", mail.outbox[-1].body)[1]
    page.goto(link)
    page.get_by_label("Vul een wachtwoord in").fill("mijn nieuwe lange wachtwoord")
    page.get_by_label("Vul het wachtwoord ter controle nogmaals in").fill(
        "mijn nieuwe lange wachtwoord"
    )
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    expect(page.get_by_text("Uw wachtwoord is gewijzigd.")).to_be_visible()
    log_in(page, person.email, "mijn nieuwe lange wachtwoord", person.app)
    expect(page.get_by_role("heading", name="Diensten")).to_be_visible()
