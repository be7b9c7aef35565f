import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.invitations import invitations_create
from accounts.invitee_lists import InviteeCsvError, parse_invitee_csv
from accounts.models import Organisation, Role, User

# A command runs on the server, without the request and upload limits of the admin.
CSV_MAX_ROWS = 50_000
CSV_MAX_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    # In Dutch, as import_azure_csv and Django's own commands under LANGUAGE_CODE "nl".
    help = (
        "Nodig e-mailadressen uit voor een organisatie en rol, zoals de servicedesk dat in het "
        "beheer doet: als argumenten, of één per regel uit --file ('-' voor stdin); 'Anna de "
        "Vries <anna@example.org>' geeft ook de naam. Een --file die eindigt op .csv wordt "
        "gelezen als CSV met de kopregel voornaam;achternaam;e-mailadres; bevat die een fout, "
        "dan wordt niemand uitgenodigd."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "addresses", nargs="*", help="e-mailadressen, of 'Voornaam Achternaam <adres>'"
        )
        parser.add_argument(
            "--file",
            help="een .csv-bestand met namen en adressen, een bestand met één adres per regel, "
            "of - voor stdin",
        )
        parser.add_argument("--organisation", required=True, help="naam van de organisatie")
        parser.add_argument("--role", required=True, help="naam van de rol")
        parser.add_argument(
            "--language", default="nl", choices=["nl", "en"], help="de taal van de uitnodiging"
        )
        parser.add_argument("--invited-by", help="e-mailadres van de servicedeskmedewerker")
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="de organisatie en de rol aanmaken als ze nog niet bestaan",
        )

    def handle(self, *args, **options):
        name = options["file"]
        is_csv = bool(name) and name.lower().endswith(".csv")
        invitees = self._read_csv(name) if is_csv else []
        text = "\n".join(options["addresses"]) + "\n" + ("" if is_csv else self._read_file(name))
        if not text.strip() and not invitees:
            raise CommandError(_("Geef minstens één adres, als argument of met --file."))
        report = invitations_create(
            text=text,
            invitees=invitees,
            organisation=self._lookup(Organisation, options["organisation"], options),
            role=self._lookup(Role, options["role"], options),
            language=options["language"],
            invited_by=self._inviter(options["invited_by"]),
        )
        for label, addresses in [  # the admin's words for the same report (accounts/admin.py)
            (_("Uitgenodigd"), report.invited),
            (_("Verlopen uitnodiging vernieuwd en verstuurd"), report.renewed),
            (_("Al uitgenodigd, niet opnieuw"), report.already_invited),
            (_("Heeft al een account"), report.existing_accounts),
            (_("Dubbel in de lijst, één keer uitgenodigd"), report.duplicates),
            (_("Geen geldig e-mailadres"), report.invalid),
        ]:
            for address in addresses:
                self.stdout.write(f"{label}: {address}")
        count = len(report.invited) + len(report.renewed)
        if settings.MAIL_QUEUE == "worker":
            done = ngettext(
                "%(count)d uitnodiging klaargezet voor de mailworker.",
                "%(count)d uitnodigingen klaargezet voor de mailworker.",
                count,
            )
        else:
            done = ngettext(
                "%(count)d uitnodiging verstuurd.", "%(count)d uitnodigingen verstuurd.", count
            )
        self.stdout.write(self.style.SUCCESS(done % {"count": count}))
        if report.invalid:
            invalid = len(report.invalid)
            raise CommandError(
                ngettext(
                    "%(count)d ongeldig adres; de andere zijn uitgenodigd.",
                    "%(count)d ongeldige adressen; de andere zijn uitgenodigd.",
                    invalid,
                )
                % {"count": invalid}
            )

    @staticmethod
    def _read_csv(name):
        """All or nothing, as in the admin: a problem on any line invites nobody."""
        try:
            with open(name, "rb") as handle:
                data = handle.read(CSV_MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(_cannot_read(name, error)) from None
        try:
            return parse_invitee_csv(data, max_rows=CSV_MAX_ROWS, max_bytes=CSV_MAX_BYTES)
        except InviteeCsvError as error:
            problems = "\n".join(error.problems)
            raise CommandError(
                _("%(file)s bevat fouten; niemand is uitgenodigd:") % {"file": name}
                + "\n"
                + problems
            ) from None

    @staticmethod
    def _read_file(name):
        if not name:
            return ""
        if name == "-":
            return sys.stdin.read()
        try:
            with open(name, encoding="utf-8") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(_cannot_read(name, error)) from None

    @staticmethod
    def _lookup(model, name, options):
        if options["create_missing"]:
            return model.objects.get_or_create(name=name)[0]
        try:
            return model.objects.get(name=name)
        except model.DoesNotExist:
            known = ", ".join(model.objects.values_list("name", flat=True)) or _("geen")
            raise CommandError(
                _(
                    "Onbekende %(kind)s '%(name)s' (bekend: %(known)s); "
                    "--create-missing maakt die aan."
                )
                % {"kind": model._meta.verbose_name, "name": name, "known": known}
            ) from None

    @staticmethod
    def _inviter(email):
        if not email:
            return None
        try:
            return User.objects.get_by_natural_key(email)
        except User.DoesNotExist:
            raise CommandError(
                _("Er is geen account met het e-mailadres %(email)s.") % {"email": email}
            ) from None


def _cannot_read(name, error) -> str:
    reason = getattr(error, "strerror", None) or str(error)
    return _("%(file)s kan niet worden gelezen: %(reason)s.") % {"file": name, "reason": reason}
