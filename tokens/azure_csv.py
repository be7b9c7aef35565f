"""Read a Microsoft Entra ID OATH token CSV into token rows, strictly and without the database.

The file comes from a vendor or an administrator and is untrusted: whatever the bytes, the only
exception that leaves `parse_azure_csv` is `AzureCsvError`, listing every problem with its line,
so the person can fix the whole file in one go. A file with any problem yields no rows at all.
Secrets never appear in a message: messages end up on pages and in logs.
"""

import base64
import binascii
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple, NoReturn

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

EXPECTED_HEADER = "upn,serial number,secret key,time interval,manufacturer,model"
COLUMNS = EXPECTED_HEADER.split(",")
HEADER_VARIANTS = {  # some vendors write "timeinterval"
    tuple(COLUMNS),
    ("upn", "serial number", "secret key", "timeinterval", "manufacturer", "model"),
}

MAX_UPN_CHARS = 256  # Entra ID allows 113; generous, but a bound on what reaches the database
MAX_SERIAL_CHARS = 64
MAX_LABEL_CHARS = 100  # manufacturer and model
MAX_SECRET_CHARS = 128  # Base32 characters, after removing spaces and padding
MIN_SECRET_BYTES = 16  # 128 bits: 26 Base32 characters
MAX_INTERVAL_CHARS = 10
# A real token line is a few hundred characters; anything far longer is not a token line, and
# stopping here also keeps such a line away from csv's field_size_limit.
MAX_LINE_CHARS = 4096
MAX_PROBLEMS = 100
INTERVALS = (30, 60)

BASE32 = re.compile(r"[A-Z2-7]*")
HEX = re.compile(r"(?:[0-9a-f]{2})+", re.IGNORECASE)
ASCII_NUMBER = re.compile(r"[0-9]+")
NOT_BASE32_DIGITS = re.compile(r"[0189]")
LINE_END = re.compile(r"\r\n|\r|\n")
HOTP_WORDS = ("hotp", "counter", "teller")

error_messages = {
    "too_large": _(
        "Het bestand is te groot (%(size)s). Upload een bestand van hoogstens %(limit)s, "
        "of splits het in kleinere bestanden."
    ),
    "not_utf8": _(
        "Het bestand is geen UTF-8-tekst. Controleer of het een CSV-bestand is, sla het op als "
        "‘CSV UTF-8 (door komma's gescheiden)’ en upload het opnieuw."
    ),
    "no_tokens": _(
        "Het bestand bevat geen tokens. Zet onder de kopregel één regel per token en upload "
        "het opnieuw."
    ),
    "bad_header": _(
        "De eerste regel moet de kopregel "
        "‘upn,serial number,secret key,time interval,manufacturer,model’ zijn: precies deze "
        "zes kolommen, in deze volgorde. Gebruik het CSV-formaat van Microsoft Entra ID."
    ),
    "semicolons": _(
        "Het bestand gebruikt puntkomma's als scheidingsteken. Sla het op als "
        "‘CSV UTF-8 (door komma's gescheiden)’, zodat de kolommen door komma's worden "
        "gescheiden, en upload het opnieuw."
    ),
    "too_many_rows": ngettext_lazy(
        "Het bestand bevat %(count)d tokenregels, maar er mag hoogstens %(limit)d tokenregel "
        "in één bestand staan. Splits het bestand en upload de delen apart.",
        "Het bestand bevat %(count)d tokenregels, maar er mogen hoogstens %(limit)d "
        "tokenregels in één bestand staan. Splits het bestand en upload de delen apart.",
        "limit",
    ),
    "bad_csv": _(
        "Deze regel kan niet als CSV worden gelezen, bijvoorbeeld omdat een aanhalingsteken "
        "niet is afgesloten. Controleer de aanhalingstekens op deze regel."
    ),
    "line_too_long": _(
        "Deze regel is veel te lang voor een token. Controleer of dit wel een Azure CSV met "
        "tokens is."
    ),
    "column_count": ngettext_lazy(
        "Deze regel heeft %(count)d kolom, maar er moeten er 6 zijn (upn, serial number, "
        "secret key, time interval, manufacturer, model). Staat er een komma in een veld, "
        "zet dat veld dan tussen aanhalingstekens.",
        "Deze regel heeft %(count)d kolommen, maar er moeten er 6 zijn (upn, serial number, "
        "secret key, time interval, manufacturer, model). Staat er een komma in een veld, "
        "zet dat veld dan tussen aanhalingstekens.",
        "count",
    ),
    "field_too_long": _("De kolom ‘%(column)s’ is te lang: hoogstens %(limit)d tekens."),
    "field_control": _(
        "De kolom ‘%(column)s’ bevat onzichtbare tekens, zoals een tab of regeleinde. "
        "Verwijder die tekens."
    ),
    "serial_missing": _(
        "Het serienummer ontbreekt. Vul het serienummer in zoals het op de achterkant van het "
        "token staat."
    ),
    "serial_duplicate": _(
        "Serienummer %(serial)s staat ook al op regel %(first)d. Elk token mag maar één keer "
        "in het bestand staan."
    ),
    "serial_known": _(
        "Dit serienummer is al bekend: %(serial)s staat al in de voorraad. Een bestaand token "
        "wordt nooit overschreven; haal deze regel uit het bestand."
    ),
    "secret_missing": _("De geheime sleutel (secret key) ontbreekt."),
    "secret_hex": _(
        "De geheime sleutel lijkt hexadecimaal. Alleen Base32 wordt geaccepteerd: zet de "
        "hex-sleutel eerst om naar Base32 en upload het bestand opnieuw."
    ),
    "secret_not_base32": _(
        "De geheime sleutel is geen geldige Base32. Base32 bestaat uit de letters A tot en met "
        "Z en de cijfers 2 tot en met 7; controleer of de sleutel volledig is overgenomen."
    ),
    "secret_too_short": _(
        "De geheime sleutel is te kort: er zijn minstens 128 bits nodig (26 Base32-tekens)."
    ),
    "secret_too_long": _(
        "De geheime sleutel is te lang: hoogstens %(limit)d Base32-tekens (zonder spaties en ‘=’)."
    ),
    "hotp": _(
        "Alleen TOTP-tokens worden ondersteund. Deze regel heeft geen tijdsinterval of hoort "
        "bij een token met een teller (HOTP); vul bij time interval 30 of 60 in."
    ),
    "interval_unknown": _(
        "Deze regel heeft een onbekend tijdsinterval. Vul bij time interval 30 of 60 (seconden) in."
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
class TokenRow:
    """One token line that passed every check; `secret` is the decoded seed."""

    line: int
    upn: str
    serial: str
    secret: bytes = field(repr=False)  # a seed must not leak through a log or traceback
    interval: int
    manufacturer: str
    model: str


@dataclass(frozen=True)
class CsvProblem:
    """What is wrong on one line (`line` is None when it concerns the whole file)."""

    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("Regel %(line)d: %(message)s") % {"line": self.line, "message": self.message}


class AzureCsvError(Exception):
    """The file cannot be imported; `problems` says why, sorted by line."""

    def __init__(self, problems: list[CsvProblem]):
        super().__init__(f"{len(problems)} problem(s) in the Azure CSV")
        self.problems = problems


def parse_azure_csv(
    data: bytes,
    *,
    max_rows: int,
    max_bytes: int,
    known_serials: Callable[[set[str]], set[str]] | None = None,
) -> list[TokenRow]:
    """Parse an Entra ID OATH token CSV strictly.

    All or nothing: raise AzureCsvError listing every problem. `known_serials` is called once
    with all serials of the file and returns those already in the inventory (what it raises is
    not caught). A file with more than `max_rows` token lines is refused; lines past the limit
    are counted, not checked.
    """
    if len(data) > max_bytes:
        size, limit = filesizeformat(len(data)), filesizeformat(max_bytes)
        _fail("too_large", size=size, limit=limit)
    records = _records(_decode(data))
    _check_header(next(records, None))
    rows, problems, count = _parse_rows(records, known_serials, max_rows)
    if count == 0:
        _fail("no_tokens")
    if count > max_rows:
        problems.append(_Found(None, "too_many_rows", {"count": count, "limit": max_rows}))
    if problems:
        raise AzureCsvError(_sorted_and_capped(problems))
    return rows


class _Invalid(Exception):
    """A field is unusable; its `reason` picks the message from `error_messages`."""

    def __init__(self, reason: str, **params):
        super().__init__(reason)
        self.reason = reason
        self.params = params


class _Record(NamedTuple):
    """One CSV record: its first physical line and its fields, or the problem that stopped it."""

    line: int
    fields: list[str]
    problem: str = ""


class _Found(NamedTuple):
    """A problem before its message is written: a huge file can have millions, we show 100."""

    line: int | None
    reason: str
    params: dict = {}  # never mutated

    def problem(self) -> CsvProblem:
        return CsvProblem(self.line, str(error_messages[self.reason] % self.params))


def _fail(reason: str, **params) -> NoReturn:
    """Stop at a problem with the whole file: nothing else can be checked."""
    raise AzureCsvError([_Found(None, reason, params).problem()])


def _decode(data: bytes) -> str:
    """Accept UTF-8 with or without the BOM that Excel writes; nothing else."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        _fail("not_utf8")


def _records(text: str) -> Iterator[_Record]:
    """Yield the non-blank records; a line csv cannot read becomes a record with a problem.

    Blank lines, and lines of only commas and spaces (what Excel leaves below a table), are
    skipped but still counted, so line numbers match what an editor shows.
    """
    source = io.StringIO(text, newline="")  # lines end in CRLF, LF or CR
    reader = csv.reader(source, strict=True, skipinitialspace=True)
    start, offset = 1, 0
    while True:
        try:
            fields, problem = next(reader), ""
        except StopIteration:
            return
        except csv.Error:  # also a field past csv's field_size_limit
            fields, problem = [], _unreadable(text[offset : source.tell()])
        content = "".join(fields)  # cheap, as a file can hold millions of blank lines
        if len(content) > MAX_LINE_CHARS:
            problem = "line_too_long"
        if problem or content.strip():
            yield _Record(start, fields, problem)
        if reader.line_num < start:  # nothing more was read: stop, whatever csv thinks
            return
        start, offset = reader.line_num + 1, source.tell()


def _unreadable(lines: str) -> str:
    """Why csv gave up on these lines: one far too long, or else the quotes."""
    longest = max(map(len, LINE_END.split(lines)))
    return "line_too_long" if longest > MAX_LINE_CHARS else "bad_csv"


def _check_header(record: _Record | None) -> None:
    """Refuse the whole file unless it starts with the Entra ID header (any case or spacing)."""
    if record is None:
        _fail("no_tokens")
    if _header_matches(record.fields):
        return
    if len(record.fields) == 1 and _header_matches(record.fields[0].split(";")):
        _fail("semicolons")  # what Excel writes with Dutch regional settings
    _fail("bad_header")


def _header_matches(fields: list[str]) -> bool:
    return tuple(" ".join(field.lower().split()) for field in fields) in HEADER_VARIANTS


def _parse_rows(
    records: Iterator[_Record],
    known_serials: Callable[[set[str]], set[str]] | None,
    max_rows: int,
) -> tuple[list[TokenRow], list[_Found], int]:
    """Check every record, so the person sees all problems at once; also count the records.

    Past `max_rows` the file is refused anyway: the rest is only counted, which keeps the work
    and the inventory question bounded by `max_rows`, not by the size of the file.
    """
    rows, problems, count = [], [], 0
    lines_of: dict[str, list[int]] = {}  # usable serial -> the lines it appears on
    for record in records:
        count += 1
        if count > max_rows:
            continue
        serial, row, row_problems = _parse_record(record)
        if serial in lines_of:
            first = lines_of[serial][0]
            params = {"serial": serial, "first": first}
            row_problems.append(_Found(record.line, "serial_duplicate", params))
        if serial:
            lines_of.setdefault(serial, []).append(record.line)
        problems.extend(row_problems)
        if row is not None and not row_problems:
            rows.append(row)
    problems.extend(_known_serial_problems(lines_of, known_serials))
    return rows, problems, count


def _known_serial_problems(
    lines_of: dict[str, list[int]], known_serials: Callable[[set[str]], set[str]] | None
) -> list[_Found]:
    """Ask the inventory once about every serial, instead of one query per line."""
    if known_serials is None or not lines_of:
        return []
    known = set(known_serials(set(lines_of))) & lines_of.keys()
    return [
        _Found(line, "serial_known", {"serial": serial})
        for serial in known
        for line in lines_of[serial]
    ]


def _parse_record(record: _Record) -> tuple[str, TokenRow | None, list[_Found]]:
    """Check one record: its serial ("" if unusable), its row (None if bad) and its problems."""
    if record.problem:
        return "", None, [_Found(record.line, record.problem)]
    if len(record.fields) != len(COLUMNS):
        return "", None, [_Found(record.line, "column_count", {"count": len(record.fields)})]
    values, problems = [], []
    for read, raw in zip(_FIELD_READERS, record.fields, strict=True):
        try:
            values.append(read(raw.strip()))
        except _Invalid as invalid:
            values.append(None)
            problems.append(_Found(record.line, invalid.reason, invalid.params))
    serial = values[1] or ""
    if problems:
        return serial, None, problems
    return serial, TokenRow(record.line, *values), []


def _read_text(text: str, *, column: str, limit: int) -> str:
    if len(text) > limit:
        raise _Invalid("field_too_long", column=column, limit=limit)
    if _has_control_characters(text):
        raise _Invalid("field_control", column=column)
    return text


def _read_serial(text: str) -> str:
    """An opaque string, kept as given ("0012" and "12" are different tokens)."""
    if not text:
        raise _Invalid("serial_missing")
    return _read_text(text, column="serial number", limit=MAX_SERIAL_CHARS)


def _has_control_characters(text: str) -> bool:
    """Tabs, line ends, NUL, zero-width and other invisible characters; none belong in a field."""
    return any(
        unicodedata.category(char)[0] == "C" or unicodedata.category(char) in ("Zl", "Zp")
        for char in text
    )


def _read_secret(text: str) -> bytes:
    """Decode a Base32 seed; a hex seed gets its own hint, as vendors ship both."""
    text = "".join(text.split()).rstrip("=")
    if not text:
        raise _Invalid("secret_missing")
    if _looks_like_hex(text):
        raise _Invalid("secret_hex")
    if len(text) > MAX_SECRET_CHARS:
        raise _Invalid("secret_too_long", limit=MAX_SECRET_CHARS)
    secret = _base32_decode(text)
    if secret is None:
        raise _Invalid("secret_not_base32")
    if len(secret) < MIN_SECRET_BYTES:
        raise _Invalid("secret_too_short")
    return secret


def _looks_like_hex(text: str) -> bool:
    """Hex digits only, and either 0, 1, 8 or 9 (which Base32 lacks) or not valid Base32."""
    if not HEX.fullmatch(text):
        return False
    return bool(NOT_BASE32_DIGITS.search(text)) or _base32_decode(text) is None


def _base32_decode(text: str) -> bytes | None:
    """Decode Base32 in any case without padding; None if it is not Base32."""
    text = text.upper()
    if not BASE32.fullmatch(text):
        return None
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except binascii.Error:  # a length no Base32 encoder produces
        return None


def _read_interval(text: str) -> int:
    """30 or 60 seconds; no interval, 0 or a counter means an HOTP token, which we refuse."""
    text = text.lower()
    if not text or any(word in text for word in HOTP_WORDS):
        raise _Invalid("hotp")
    if len(text) <= MAX_INTERVAL_CHARS and ASCII_NUMBER.fullmatch(text):
        if int(text) == 0:
            raise _Invalid("hotp")
        if int(text) in INTERVALS:
            return int(text)
    raise _Invalid("interval_unknown")


_FIELD_READERS = (  # one per column, in the order of the header
    partial(_read_text, column="upn", limit=MAX_UPN_CHARS),
    _read_serial,
    _read_secret,
    _read_interval,
    partial(_read_text, column="manufacturer", limit=MAX_LABEL_CHARS),
    partial(_read_text, column="model", limit=MAX_LABEL_CHARS),
)


def _sorted_and_capped(found: list[_Found]) -> list[CsvProblem]:
    """Whole-file problems first, then by line; past the cap, one line says how many more."""
    found = sorted(found, key=lambda each: (each.line is not None, each.line or 0))
    if len(found) > MAX_PROBLEMS:
        hidden = len(found) - MAX_PROBLEMS
        found = [*found[:MAX_PROBLEMS], _Found(None, "more_problems", {"count": hidden})]
    return [each.problem() for each in found]
