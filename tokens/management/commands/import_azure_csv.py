"""An administrator's batch of hardware tokens from an Azure CSV, at the administrators' limits."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Organisation
from tokens import services
from tokens.azure_csv import AzureCsvError
from tokens.models import AzureCsvImport


class Command(BaseCommand):
    help = (
        "Importeer hardware tokens uit een Azure CSV (Microsoft Entra ID). Alles of niets: "
        "bij een fout wordt niets geïmporteerd en wordt elk probleem met regelnummer getoond."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="het CSV-bestand")
        parser.add_argument(
            "--organisation",
            required=True,
            help="naam van de organisatie; alleen haar mensen kunnen de tokens koppelen",
        )
        parser.add_argument(
            "--take-over",
            action="store_true",
            help="serienummers die de organisatie al heeft en die niemand koppelde, vervangen",
        )

    def handle(self, *args, file: Path, organisation: str, take_over: bool, **options):
        owner = Organisation.objects.filter(name=organisation).first()
        if owner is None:
            raise CommandError(
                _("Er is geen organisatie met de naam %(name)s.") % {"name": organisation}
            )
        data = self._read(file, limit=settings.AZURE_CSV_ADMIN_MAX_BYTES)
        try:
            csv_import = services.tokens_import_azure_csv(
                data=data,
                filename=file.name,
                imported_by=None,
                organisation=owner,
                take_over=take_over,
                source=AzureCsvImport.Source.COMMAND,
                max_rows=settings.AZURE_CSV_ADMIN_MAX_ROWS,
                max_bytes=settings.AZURE_CSV_ADMIN_MAX_BYTES,
            )
        except AzureCsvError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            count = len(error.problems)
            raise CommandError(
                ngettext(
                    "Niets geïmporteerd uit %(file)s: %(count)d probleem.",
                    "Niets geïmporteerd uit %(file)s: %(count)d problemen.",
                    count,
                )
                % {"file": file.name, "count": count}
            ) from None
        count = csv_import.token_count
        message = ngettext(
            "%(count)d token geïmporteerd uit %(file)s.",
            "%(count)d tokens geïmporteerd uit %(file)s.",
            count,
        )
        self.stdout.write(self.style.SUCCESS(message % {"count": count, "file": file.name}))

    def _read(self, file: Path, *, limit: int) -> bytes:
        """Judge the file by its size first, so a huge file is never read into memory."""
        try:
            size = file.stat().st_size
            if size > limit:
                raise CommandError(
                    _("%(file)s is te groot (%(size)s); hoogstens %(limit)s.")
                    % {"file": file, "size": filesizeformat(size), "limit": filesizeformat(limit)}
                )
            with file.open("rb") as stream:
                return stream.read(limit + 1)
        except OSError as error:
            raise CommandError(
                _("%(file)s kan niet worden gelezen: %(reason)s.")
                % {"file": file, "reason": error.strerror}
            ) from None
