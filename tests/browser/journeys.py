"""Every screen of every journey, walked in a real browser.

The accessibility run (test_accessibility.py) and the manual's screenshots (screenshots.py)
both walk these journeys; `at(page, name)` is called on each screen, with a name that is the
same in every language: "page" or "page:state" (the same page after a mistake, say).
Elements are found by id, name and link target, never by their text, so the same walk works
in Dutch and in English.
"""

import io
import re
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.invitations import invitations_create
from accounts.models import Invitation, Organisation, Role, User
from portal.models import Service
from tests.sso.relying_party import RelyingParty
from tests.support import GOOD_PASSWORD, link_from_mail, make_agent, wait_for
from tokens.models import AppDevice, HardwareTokenDevice
from tokens.testing import code_for, device_code, seed_of
from verification.services import code_current

SAMPLE_CSV = "tests/csv_corpus/azure-tokens-example.csv"
BAD_CSV = "tests/csv_corpus/bad-base32.csv"
# Serial 1000000102 of the sample file: a 60-second token.
TOKEN_SERIAL = "1000000102"
TOKEN_SECRET = seed_of("ZI2U6JIOQ7ZE6RJM2UGASMDWZ34VJHKE")
# How long chat.js may take to notice, by its own poll, that the journey moved on, and reload.
CHAT_RELOAD_TIMEOUT = 30_000  # ms: a 3 s poll, backing off to 30 s after a failed one

At = Callable[[Page, str], None]


def choose_language(page: Page, language: str) -> None:
    """The switch in the header: a select and a button, remembered in a cookie."""
    if page.locator("html").get_attribute("lang") == language:
        return
    page.locator("#language-select").select_option(language)
    page.locator(".language-form button").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def submit(page: Page, selector: str) -> None:
    """Press Enter in a field, as a person does; waits for the next page."""
    with page.expect_navigation():
        page.locator(selector).press("Enter")


def expect_errors(page: Page) -> None:
    """The page shows its mistakes."""
    expect(page.locator(".error-summary, [aria-invalid=true]").first).to_be_visible()


def wait_until_codes_are_checked(email: str) -> None:
    """After a wrong code a person's app checks no code for a while (1 s, doubling): wait
    until it checks codes again, as a person would, instead of sleeping for a guess."""

    def app_checks_codes() -> bool:
        app = AppDevice.objects.filter(user__email=email).order_by("-pk").first()
        return app is not None and app.verify_is_allowed()[0]

    wait_for(app_checks_codes, f"the app of {email} kept refusing to check codes")


def log_in(page: Page, user: User, *, code: str | None = None, language: str = "") -> None:
    """The real login pages (in `language`, if given): the password, then the code the
    person's app shows now."""
    page.goto("/inloggen/")
    if language:
        choose_language(page, language)
    page.locator("#id_email").fill(user.email)
    page.locator("#id_password").fill(GOOD_PASSWORD)
    submit(page, "#id_password")
    page.locator("#id_code").fill(code or device_code(user.app))
    submit(page, "#id_code")


class Journeys:
    """The person's, the token holder's and the servicedesk's journeys through ZorgPortaal."""

    def __init__(
        self, browser: Browser, base_url: str, at: At, *, language: str = "nl", viewport=None
    ):
        self.browser = browser
        self.viewport = viewport or {"width": 1280, "height": 900}
        self.base_url = base_url
        self.at = at
        self.language = language
        self.contexts = []
        self.suffix = "" if language == "nl" else f".{language}"

    # Set-up

    def page(self) -> Page:
        locale = "nl-NL" if self.language == "nl" else "en-GB"
        context = self.browser.new_context(
            base_url=self.base_url, locale=locale, viewport=self.viewport
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        return context.new_page()

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts = []

    def demo_data(self) -> None:
        """`make run`'s demo organisation and roles, and a few service tiles."""
        call_command("load_demo_data", stdout=io.StringIO())
        for order, (name, description, icon) in enumerate(
            [
                ("Huisartsinformatiesysteem", "Dossiers en afspraken", "document"),
                ("Samenwerken", "Berichten met de keten", "people"),
                ("Agenda", "", "calendar"),
            ]
        ):
            Service.objects.get_or_create(
                name=name,
                defaults={
                    "description": description,
                    "icon": icon,
                    "url": "https://example.org/",
                    "order": order,
                },
            )

    def invite(self, address: str, name: str = "Anna de Vries") -> str:
        """Invite as the servicedesk does, with a name; the link path from the mail, in the
        walk's language."""
        invitations_create(
            text=f"{name} <{address}>",
            organisation=Organisation.objects.get(name="Demo Zorggroep"),
            role=Role.objects.get(name="Huisarts"),
            language=self.language,
        )
        return link_from_mail(mail.outbox[-1])

    def address(self, name: str) -> str:
        return f"{name}{self.suffix}@demo.example"

    # Journeys

    def all(self) -> None:
        self.demo_data()
        self.anonymous()
        self.invitation_problems()
        agent = self.agent()
        self.registration_with_app(agent)
        self.registration_with_token()
        self.servicedesk(agent)

    def anonymous(self) -> None:
        """Start, login with a mistake, no account, a forgotten password replaced by mail."""
        person = User.objects.create_user(self.address("vergeten"), GOOD_PASSWORD)
        page = self.page()
        page.goto("/")
        choose_language(page, self.language)
        self.at(page, "start")
        page.locator('main a[href="/inloggen/"]').click()
        self.at(page, "login")
        page.locator("#id_email").fill(person.email)
        page.locator("#id_password").fill("niet mijn wachtwoord")
        submit(page, "#id_password")
        expect_errors(page)
        self.at(page, "login:error")
        page.locator('a[href="/geen-account/"]').click()
        self.at(page, "no-account")
        page.goto("/inloggen/")
        page.locator('a[href="/wachtwoord-vergeten/"]').click()
        self.at(page, "password-forgotten")
        page.locator("#id_email").fill("geen adres")
        submit(page, "#id_email")
        expect_errors(page)
        self.at(page, "password-forgotten:error")
        page.locator("#id_email").fill(person.email)
        submit(page, "#id_email")
        self.at(page, "password-forgotten-sent")
        link = re.search(r"https://portaal\.example\.nl(\S+)", mail.outbox[-1].body)[1]
        page.goto(link)
        self.at(page, "password-new")
        page.locator("#id_password1").fill(GOOD_PASSWORD + " nieuw")
        page.locator("#id_password2").fill("iets anders")
        submit(page, "#id_password2")
        expect_errors(page)
        self.at(page, "password-new:error")
        page.goto(link.rstrip("/").rsplit("/", 1)[0] + "/verkeerd-token/")
        self.at(page, "password-link-invalid")

    def invitation_problems(self) -> None:
        """The four reasons an invitation link does not work."""
        page = self.page()
        page.goto("/uitnodiging/bestaat-niet/")
        choose_language(page, self.language)
        self.at(page, "invitation-invalid")
        for reason, change in [
            ("expired", {"expires_at": "2000-01-01T00:00:00Z"}),
            ("revoked", {"revoked_at": "2000-01-01T00:00:00Z"}),
            ("used", {"used_at": "2000-01-01T00:00:00Z"}),
        ]:
            link = self.invite(self.address(f"link-{reason}"))
            Invitation.objects.filter(email=self.address(f"link-{reason}")).update(**change)
            page.goto(link)
            self.at(page, f"invitation-{reason}")

    def agent(self) -> User:
        """A servicedesk employee of the central servicedesk who is also a helpdesk agent."""
        agent = make_agent(self.address("sanne"), "Sanne", last_name="Jansen")
        agent.user_permissions.add(*Permission.objects.filter(codename__endswith="invitation"))
        return agent

    def registration_with_app(self, agent: User) -> None:
        """Invitation, password, app, helpdesk chat, portal, my account, and a later login."""
        address = self.address("anna")
        link = self.invite(address)
        anna = self.page()
        anna.goto(link)
        choose_language(anna, self.language)
        self.at(anna, "register-password")
        anna.locator("#id_password1").fill(GOOD_PASSWORD)
        anna.locator("#id_password2").fill("iets anders")
        submit(anna, "#id_password2")
        expect_errors(anna)
        self.at(anna, "register-password:error")
        anna.locator("#id_password1").fill(GOOD_PASSWORD)
        anna.locator("#id_password2").fill(GOOD_PASSWORD)
        submit(anna, "#id_password2")
        self.at(anna, "choose-factor")

        anna.locator('main a[href="/registreren/app/"]').click()
        self.at(anna, "app-setup")
        secret = anna.locator("code.secret").inner_text()
        anna.locator("#id_code").fill("000000")
        submit(anna, "#id_code")
        expect_errors(anna)
        self.at(anna, "app-setup:error")
        wait_until_codes_are_checked(address)
        anna.locator("#id_code").fill(code_for(seed_of(secret)))
        submit(anna, "#id_code")
        self.at(anna, "registration-done")

        anna.locator('main a[href="/portaal/"]').click()
        expect(anna).to_have_url(re.compile("/verificatie/$"))
        self.at(anna, "verification")
        anna.locator('form[action="/verificatie/chat/starten/"] button').click()
        code = anna.locator(".verification-code").inner_text().strip()
        anna.locator("#id_text").fill(f"Goedemiddag, mijn verificatiecode is {code}.")
        anna.locator("form.chat-form button[type=submit]").click()
        expect(anna.locator("#chat-lines li")).to_have_count(1)
        self.at(anna, "chat:waiting")

        sanne = self.page()
        log_in(sanne, agent, language=self.language)
        sanne.goto("/helpdesk/")
        self.at(sanne, "helpdesk-queue")
        sanne.locator("#queue form button").first.click()
        expect(sanne).to_have_url(re.compile(r"/helpdesk/gesprek/\d+/$"))
        sanne.locator("#id_text").fill("Goedemiddag, ik kijk even mee.")
        sanne.locator("form.chat-form button[type=submit]").click()
        expect(sanne.locator("#chat-lines li")).to_have_count(3)
        self.at(sanne, "helpdesk-conversation")
        anna.reload()  # chat.js would show them within seconds; the page shows them at once
        expect(anna.locator("#chat-lines li")).to_have_count(3)
        self.at(anna, "chat")
        sanne.locator("#id_verify-code").fill("0000" if code != "0000" else "1111")
        submit(sanne, "#id_verify-code")
        expect_errors(sanne)
        self.at(sanne, "helpdesk-conversation:error")
        sanne.locator("#id_verify-code").fill(code)
        submit(sanne, "#id_verify-code")
        self.at(sanne, "helpdesk-queue:verified")
        # chat.js's next poll finds the account verified and reloads the page by itself. Wait
        # for that navigation: a reload of our own could cross it (net::ERR_ABORTED).
        expect(anna).to_have_url(re.compile("/portaal/$"), timeout=CHAT_RELOAD_TIMEOUT)
        anna.wait_for_load_state()

        self.at(anna, "dashboard")
        for path, name in [
            ("/portaal/notificaties/", "notifications"),
            ("/portaal/documentatie/", "documentation"),
            ("/mijn-account/", "myaccount"),
        ]:
            anna.locator(f'header a[href="{path}"]').click()
            self.at(anna, name)
        anna.locator('main a[href="/mijn-account/wachtwoord/"]').click()
        self.at(anna, "change-password")
        anna.locator("#id_old_password").fill("fout")
        submit(anna, "#id_old_password")
        expect_errors(anna)
        self.at(anna, "change-password:error")
        anna.locator('main a[href="/mijn-account/azure-csv/"]').click()
        self.at(anna, "myaccount-csv")
        self.single_sign_on(anna)
        anna.locator('main a[href="/mijn-account/sessies/"]').click()
        self.at(anna, "myaccount-sessions")
        anna.locator('main a[href="/mijn-account/"]').click()
        anna.locator('main a[href^="/mijn-account/naam/"]').click()
        self.at(anna, "myaccount-rename")
        anna.locator("#id_name").fill("")
        submit(anna, "#id_name")
        expect_errors(anna)
        self.at(anna, "myaccount-rename:error")
        anna.locator("#id_name").fill("iPhone van Anna")
        submit(anna, "#id_name")
        anna.locator('main a[href="/mijn-account/app/"]').click()
        self.at(anna, "confirm-code")

        anna.locator("header form[action='/uitloggen/'] button").click()
        self.at(anna, "login:logged-out")
        anna.locator("#id_email").fill(address)
        anna.locator("#id_password").fill(GOOD_PASSWORD)
        submit(anna, "#id_password")
        self.at(anna, "login-code")
        anna.locator("#id_code").fill("000000")
        submit(anna, "#id_code")
        expect_errors(anna)
        self.at(anna, "login-code:error")
        anna.goto("/verificatie/authenticatiemiddel-kwijt/")
        self.at(anna, "lost-factor")
        anna.goto("/inloggen/code/")
        wait_until_codes_are_checked(address)
        anna.locator("#id_code").fill(code_for(seed_of(secret), drift=1))  # the bound one is used
        submit(anna, "#id_code")
        expect(anna).to_have_url(re.compile("/portaal/$"))

    def single_sign_on(self, anna: Page) -> None:
        """The pages a service may show: consent, no access, a request we refuse, logout."""
        partner = RelyingParty.register("Partnerdienst", first_party=False)
        elsewhere = RelyingParty.register("Alleen voor Elders")
        elsewhere.service.organisations.add(Organisation.objects.create(name="Elders"))
        anna.goto(partner.authorize_url())
        self.at(anna, "sso-consent")
        anna.goto(elsewhere.authorize_url())
        self.at(anna, "sso-refused")
        anna.goto(partner.authorize_url(redirect_uri="https://kwaadwillend.example/cb"))
        self.at(anna, "sso-refused-request")
        anna.goto(f"/oidc/logout/?client_id={partner.client_id}")
        self.at(anna, "sso-logout")
        anna.get_by_role("button", name=re.compile("Ingelogd blijven|Stay logged in")).click()
        anna.goto("/mijn-account/azure-csv/")

    def registration_with_token(self) -> None:
        """Invitation, password, a hardware token with the Azure CSV uploaded on the way."""
        page = self.page()
        page.goto(self.invite(self.address("token")))
        choose_language(page, self.language)
        page.locator("#id_password1").fill(GOOD_PASSWORD)
        page.locator("#id_password2").fill(GOOD_PASSWORD)
        submit(page, "#id_password2")
        page.locator('main a[href="/registreren/token/"]').click()
        self.at(page, "token-setup")
        page.locator("#id_csv_file").set_input_files(BAD_CSV)
        with page.expect_navigation():
            page.locator('form[enctype="multipart/form-data"] button').click()
        expect_errors(page)
        self.at(page, "token-setup:upload-error")
        page.locator("#id_csv_file").set_input_files(SAMPLE_CSV)
        with page.expect_navigation():
            page.locator('form[enctype="multipart/form-data"] button').click()
        self.at(page, "token-setup:uploaded")
        page.locator("#id_serial").fill(TOKEN_SERIAL)
        page.locator("#id_code").fill("000000")
        submit(page, "#id_code")
        expect_errors(page)  # a token link makes one wait only after five wrong tries
        self.at(page, "token-setup:error")
        page.locator("#id_serial").fill(TOKEN_SERIAL)
        page.locator("#id_code").fill(code_for(TOKEN_SECRET, step=60))
        submit(page, "#id_code")
        expect(page.locator(".stepper li").nth(3)).to_have_attribute("aria-current", "step")

    def servicedesk(self, agent: User) -> None:
        """The helpdesk's phone check and the servicedesk's overview in the admin."""
        caller = User.objects.create_user(
            self.address("beller"), GOOD_PASSWORD, first_name="Bram", last_name="Bakker"
        )
        code = code_current(user=caller).code
        page = self.page()
        # The agent's code of this time step is used already: log in with the next one.
        log_in(page, agent, code=device_code(agent.app, drift=1), language=self.language)
        page.goto("/helpdesk/telefonisch/")
        self.at(page, "helpdesk-phone")
        page.locator("#id_email").fill("geen adres")
        submit(page, "#id_email")
        expect_errors(page)
        self.at(page, "helpdesk-phone:error")
        page.locator("#id_email").fill(caller.email)
        page.locator("#id_code").fill(code)
        submit(page, "#id_code")
        self.at(page, "helpdesk-account")
        # Some people stand still: one never opened the mail, the token holder is not verified.
        self.invite(self.address("wacht"))
        ten_days_ago = timezone.now() - timedelta(days=10)
        Invitation.objects.filter(email=self.address("wacht")).update(
            created_at=ten_days_ago, sent_at=ten_days_ago
        )
        HardwareTokenDevice.objects.filter(user__email=self.address("token")).update(
            created_at=ten_days_ago
        )
        page.goto("/admin/accounts/invitation/")
        page.locator('a[href="/admin/accounts/invitation/overzicht/"]').click()
        self.at(page, "servicedesk-overview")
        with page.expect_navigation():
            page.locator(".overview-table form button").first.click()
        self.at(page, "servicedesk-overview:resent")
