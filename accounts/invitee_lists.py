"""Read whom to invite: addresses with the first and last name the organisation gave.

Pure, no database. Two sources, two strictnesses:

- A pasted list ("Anna de Vries <anna@example.org>", plain addresses; lines, commas or
  semicolons): bad entries are reported and the rest is invited, as the servicedesk expects
  from a quick paste. A comma always separates entries, so "de Vries, Anna <…>" cannot work:
  the CSV file is the way for names with a comma.
- A CSV file (a header line, then first name, last name, address): all or nothing, every bad
  line reported with its number, as the Azure CSV import does, so the file is fixed in one go.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NoReturn

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .models import normalize_email

MAX_NAME_LENGTH = 150  # what User.first_name and Invitation.first_name hold
CSV_MAX_BYTES = 1024 * 1024
CSV_MAX_ROWS = 1000  # the admin's limit; `manage.py invite --file` allows more
MAX_PROBLEMS = 50
MAX_SHOWN_VALUE = 100

# "Naam <adres>": nothing may follow the ">", and no bracket may appear twice.
NAME_AND_ADDRESS = re.compile(r"(?P<name>[^<>]*)<(?P<address>[^<>]*)>\s*")
QUOTES = "\"'"

COLUMNS = ("first_name", "last_name", "email")
HEADER_WORDS = {
    "voornaam": "first_name",
    "first name": "first_name",
    "achternaam": "last_name",
    "last name": "last_name",
    "e-mailadres": "email",
    "emailadres": "email",
    "e-mail": "email",
    "email": "email",
    "e-mail address": "email",
    "email address": "email",
}

error_messages = {
    "too_large": _(
        "Het bestand is te groot (%(size)s). Upload een bestand van hoogstens %(limit)s, "
        "of splits het in kleinere bestanden."
    ),
    "not_utf8": _(
        "Het bestand is geen UTF-8-tekst. Sla het op als ‘CSV UTF-8’ en upload het opnieuw."
    ),
    "empty": _(
        "Het bestand is leeg. Zet op de eerste regel ‘voornaam;achternaam;e-mailadres’ en "
        "daaronder één regel per persoon."
    ),
    "bad_header": _(
        "De eerste regel moet de kopregel ‘voornaam;achternaam;e-mailadres’ zijn (met "
        "puntkomma's of met komma's). Ook ‘first_name’, ‘last_name’ en ‘email’ worden "
        "herkend; elke kolom precies één keer, geen andere kolommen."
    ),
    "no_rows": _("Het bestand bevat alleen een kopregel. Zet daaronder één regel per persoon."),
    "too_many_rows": ngettext_lazy(
        "Het bestand bevat %(count)d personen, maar er mag hoogstens %(limit)d persoon in één "
        "bestand staan. Splits het bestand en upload de delen apart.",
        "Het bestand bevat %(count)d personen, maar er mogen er hoogstens %(limit)d in één "
        "bestand staan. Splits het bestand en upload de delen apart.",
        "limit",
    ),
    "bad_csv": _(
        "Deze regel kan niet als CSV worden gelezen, bijvoorbeeld omdat een aanhalingsteken "
        "niet is afgesloten. Controleer de aanhalingstekens op deze regel."
    ),
    "column_count": ngettext_lazy(
        "Deze regel heeft %(count)d kolom, maar er moeten er 3 zijn: voornaam, achternaam en "
        "e-mailadres. Staat het scheidingsteken in een naam, zet die naam dan tussen "
        "aanhalingstekens.",
        "Deze regel heeft %(count)d kolommen, maar er moeten er 3 zijn: voornaam, achternaam "
        "en e-mailadres. Staat het scheidingsteken in een naam, zet die naam dan tussen "
        "aanhalingstekens.",
        "count",
    ),
    "first_name_missing": _("De voornaam ontbreekt."),
    "last_name_missing": _("De achternaam ontbreekt."),
    "first_name_too_long": _("De voornaam is te lang: hoogstens %(limit)d tekens."),
    "last_name_too_long": _("De achternaam is te lang: hoogstens %(limit)d tekens."),
    "email_missing": _("Het e-mailadres ontbreekt."),
    "email_invalid": _("‘%(value)s’ is geen geldig e-mailadres."),
    "email_duplicate": _(
        "Het e-mailadres %(email)s staat ook al op regel %(first)d. Zet elke persoon één keer "
        "in het bestand."
    ),
    "more_problems": ngettext_lazy(
        "Er is nog %(count)d ander probleem. Los eerst de problemen hierboven op en upload "
        "het bestand dan opnieuw.",
        "Er zijn nog %(count)d andere problemen. Los eerst de problemen hierboven op en "
        "upload het bestand dan opnieuw.",
        "count",
    ),
}


@dataclass(frozen=True)
class Invitee:
    """One person to invite; a name is "" when the servicedesk gave none."""

    email: str
    first_name: str = ""
    last_name: str = ""


class InviteeCsvError(Exception):
    """The file invites nobody; `problems` says why, by line, in the active language."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s) in the invitation CSV")
        self.problems = problems


def normalize_name(text: str) -> str:
    """One form for a name as the helpdesk reads it: NFC, no invisible characters, single spaces."""
    text = unicodedata.normalize("NFC", text)
    visible = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C")
    return " ".join(visible.split())


def split_name(name: str) -> tuple[str, str]:
    """ "Anna de Vries" is Anna / de Vries: the first word, then the rest (Dutch "tussenvoegsels"
    belong to the last name)."""
    first, _space, last = normalize_name(name).partition(" ")
    return first, last


# A pasted list


def parse_entry(item: str) -> Invitee | None:
    """ "adres", "Naam <adres>" or '"Naam" <adres>'; None when it is not clearly that."""
    match = NAME_AND_ADDRESS.fullmatch(item.strip())
    name, address = (match["name"], match["address"]) if match else ("", item)
    address = normalize_email(address)
    try:
        validate_email(address)
    except ValidationError:
        return None
    first, last = split_name(_display_name(name))
    if len(first) > MAX_NAME_LENGTH or len(last) > MAX_NAME_LENGTH:
        return None
    return Invitee(address, first, last)


def _display_name(name: str) -> str:
    """The name before "<adres>" without its quotes; an address there (Outlook) is no name."""
    name = normalize_name(name)
    if len(name) >= 2 and name[0] == name[-1] and name[0] in QUOTES:
        name = normalize_name(name[1:-1])
    return "" if "@" in name else name


def parse_pasted(text: str) -> tuple[list[Invitee], list[str]]:
    """Every usable entry in order (repeats kept), and the entries that are not usable."""
    found, invalid = [], []
    for raw in text.replace(";", "\n").replace(",", "\n").splitlines():
        item = raw.strip()
        if not item:
            continue
        invitee = parse_entry(item)
        if invitee is None:
            invalid.append(item)
        else:
            found.append(invitee)
    return found, invalid


def without_repeats(invitees: list[Invitee]) -> tuple[list[Invitee], list[str]]:
    """The first entry of each address, and the address of every later entry."""
    seen, unique, repeats = set(), [], []
    for invitee in invitees:
        if invitee.email in seen:
            repeats.append(invitee.email)
        else:
            seen.add(invitee.email)
            unique.append(invitee)
    return unique, repeats


# A CSV file


@dataclass(frozen=True)
class _Problem:
    line: int | None
    reason: str
    params: tuple = ()

    def __str__(self) -> str:
        message = str(error_messages[self.reason] % dict(self.params))
        if self.line is None:
            return message
        return str(_("Regel %(line)d: %(message)s") % {"line": self.line, "message": message})


def parse_invitee_csv(data: bytes, *, max_rows: int, max_bytes: int = CSV_MAX_BYTES):
    """Read a header line and then one person per line: first name, last name, address.

    Semicolons (Excel with Dutch settings) or commas, UTF-8 with or without a BOM. All or
    nothing: InviteeCsvError lists every problem. Past `max_rows` people the file is refused
    and the rest only counted.
    """
    if len(data) > max_bytes:
        _fail("too_large", size=filesizeformat(len(data)), limit=filesizeformat(max_bytes))
    text = _decode(data)
    records = _records(text, delimiter=_delimiter(text))
    columns = _columns(next(records, None))
    invitees, problems, count = _rows(records, columns, max_rows)
    if count == 0:
        _fail("no_rows")
    if count > max_rows:
        problems.append(_Problem(None, "too_many_rows", (("count", count), ("limit", max_rows))))
    if problems:
        raise InviteeCsvError(_capped(problems))
    return invitees


def _fail(reason: str, **params) -> NoReturn:
    """A problem with the whole file: nothing else can be checked."""
    raise InviteeCsvError([str(_Problem(None, reason, tuple(params.items())))])


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        _fail("not_utf8")


def _delimiter(text: str) -> str:
    """Semicolons when the header line has one (Excel with Dutch settings), else commas."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if ";" in header else ","


def _records(text: str, *, delimiter: str) -> Iterator[tuple[int, list[str] | None]]:
    """(first line, fields) of every non-blank record; fields None for a line csv cannot read.

    Blank lines are skipped but counted, so numbers match what an editor shows. After an
    unreadable line (an open quote swallows the rest) reading stops.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield start, None
            return
        if any(field.strip() for field in fields):
            yield start, fields
        start = reader.line_num + 1


def _columns(header: tuple[int, list[str] | None] | None) -> list[str]:
    """The column each position holds, by the header's Dutch or English words."""
    if header is None:
        _fail("empty")
    words = [" ".join(field.replace("_", " ").lower().split()) for field in header[1] or []]
    columns = [HEADER_WORDS.get(word, "") for word in words]
    if sorted(columns) != sorted(COLUMNS):
        _fail("bad_header")
    return columns


def _rows(records, columns: list[str], max_rows: int) -> tuple[list[Invitee], list[_Problem], int]:
    """Check every row, so all problems show at once; past `max_rows` only count them."""
    invitees, problems, count = [], [], 0
    first_line_of: dict[str, int] = {}
    for line, fields in records:
        count += 1
        if count > max_rows:
            continue
        invitee, row_problems = _row(line, fields, columns)
        if invitee and invitee.email in first_line_of:
            params = (("email", invitee.email), ("first", first_line_of[invitee.email]))
            row_problems.append(_Problem(line, "email_duplicate", params))
        elif invitee:
            first_line_of[invitee.email] = line
        problems.extend(row_problems)
        if invitee and not row_problems:
            invitees.append(invitee)
    return invitees, problems, count


def _row(line: int, fields: list[str] | None, columns: list[str]):
    """The person on one line (None without a usable address), and what is wrong with it."""
    if fields is None:
        return None, [_Problem(line, "bad_csv")]
    if len(fields) != len(columns):
        return None, [_Problem(line, "column_count", (("count", len(fields)),))]
    values = dict(zip(columns, fields, strict=True))
    problems = [
        _Problem(line, reason, params)
        for reason, params in (
            _name_problem("first_name", values["first_name"]),
            _name_problem("last_name", values["last_name"]),
            _address_problem(values["email"]),
        )
        if reason
    ]
    address = normalize_email(values["email"])
    if any(problem.reason.startswith("email") for problem in problems):
        return None, problems
    names = (normalize_name(values["first_name"]), normalize_name(values["last_name"]))
    return Invitee(address, *names), problems


def _name_problem(column: str, value: str) -> tuple[str, tuple]:
    name = normalize_name(value)
    if not name:
        return f"{column}_missing", ()
    if len(name) > MAX_NAME_LENGTH:
        return f"{column}_too_long", (("limit", MAX_NAME_LENGTH),)
    return "", ()


def _address_problem(value: str) -> tuple[str, tuple]:
    address = normalize_email(value)
    if not address:
        return "email_missing", ()
    try:
        validate_email(address)
    except ValidationError:
        return "email_invalid", (("value", value.strip()[:MAX_SHOWN_VALUE]),)
    return "", ()


def _capped(problems: list[_Problem]) -> list[str]:
    """Sorted by line (the whole file's problems last), at most MAX_PROBLEMS and a count."""
    problems = sorted(problems, key=lambda p: (p.line is None, p.line or 0))
    shown = [str(problem) for problem in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        rest = len(problems) - MAX_PROBLEMS
        shown.append(str(error_messages["more_problems"] % {"count": rest}))
    return shown
