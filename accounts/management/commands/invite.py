import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.invitations import invitations_create
from accounts.invitee_lists import InviteeCsvError, parse_invitee_csv
from accounts.models import Organisation, Role, User

# A command runs on the server, without the request and upload limits of the admin.
CSV_MAX_ROWS = 50_000
CSV_MAX_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Invite e-mail addresses (arguments, or one per line from --file, '-' for stdin; "
        "'Anna de Vries <anna@example.org>' gives the name too) for an organisation and role, "
        "as the servicedesk does in the admin. A --file ending in .csv is read as a CSV of "
        "voornaam;achternaam;e-mailadres with a header line; a CSV with errors invites nobody."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "addresses", nargs="*", help="e-mail addresses, or 'First Last <address>'"
        )
        parser.add_argument(
            "--file",
            help="a .csv file of names and addresses, a file with one address per line, "
            "or - for stdin",
        )
        parser.add_argument("--organisation", required=True, help="organisation name")
        parser.add_argument("--role", required=True, help="role name")
        parser.add_argument("--language", default="nl", choices=["nl", "en"])
        parser.add_argument("--invited-by", help="e-mail address of the servicedesk employee")
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="create the organisation and role when they do not exist yet",
        )

    def handle(self, *args, **options):
        name = options["file"]
        is_csv = bool(name) and name.lower().endswith(".csv")
        invitees = self._read_csv(name) if is_csv else []
        text = "\n".join(options["addresses"]) + "\n" + ("" if is_csv else self._read_file(name))
        if not text.strip() and not invitees:
            raise CommandError("Give at least one address, as arguments or with --file.")
        report = invitations_create(
            text=text,
            invitees=invitees,
            organisation=self._lookup(Organisation, options["organisation"], options),
            role=self._lookup(Role, options["role"], options),
            language=options["language"],
            invited_by=self._inviter(options["invited_by"]),
        )
        for label, addresses in [
            ("invited", report.invited),
            ("renewed (expired invitation sent again)", report.renewed),
            ("already invited, not again", report.already_invited),
            ("already has an account", report.existing_accounts),
            ("duplicate in the list", report.duplicates),
            ("not a valid e-mail address", report.invalid),
        ]:
            for address in addresses:
                self.stdout.write(f"{label}: {address}")
        done = "queued for the mail worker" if settings.MAIL_QUEUE == "worker" else "sent"
        self.stdout.write(
            self.style.SUCCESS(f"{len(report.invited) + len(report.renewed)} invitation(s) {done}")
        )
        if report.invalid:
            raise CommandError(f"{len(report.invalid)} invalid address(es); the rest were invited.")

    @staticmethod
    def _read_csv(name):
        """All or nothing, as in the admin: a problem on any line invites nobody."""
        try:
            with open(name, "rb") as handle:
                data = handle.read(CSV_MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {name}: {error}") from None
        try:
            return parse_invitee_csv(data, max_rows=CSV_MAX_ROWS, max_bytes=CSV_MAX_BYTES)
        except InviteeCsvError as error:
            problems = "\n".join(error.problems)
            raise CommandError(f"{name} has problems; nobody was invited:\n{problems}") from None

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
            raise CommandError(f"Cannot read {name}: {error}") from None

    @staticmethod
    def _lookup(model, name, options):
        if options["create_missing"]:
            return model.objects.get_or_create(name=name)[0]
        try:
            return model.objects.get(name=name)
        except model.DoesNotExist:
            known = ", ".join(model.objects.values_list("name", flat=True)) or "none"
            raise CommandError(
                f"Unknown {model._meta.model_name} {name!r} (known: {known}); "
                "use --create-missing to create it."
            ) from None

    @staticmethod
    def _inviter(email):
        if not email:
            return None
        try:
            return User.objects.get_by_natural_key(email)
        except User.DoesNotExist:
            raise CommandError(f"No account with e-mail address {email!r}.") from None
