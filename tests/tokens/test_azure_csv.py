"""The Azure CSV parser: what real files look like, every way a file can be wrong, and fuzzing.

Files live in tests/csv_corpus/; the two vendor samples are copies of /work/shared/samples/.
"""

import base64
import csv
import hashlib
import io
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import ROOT
from tokens.azure_csv import AzureCsvError, CsvProblem, TokenRow, parse_azure_csv
from tokens.testing import seed_of

CORPUS = ROOT / "tests" / "csv_corpus"
HEADER = "upn,serial number,secret key,time interval,manufacturer,model"
LIMITS = {"max_rows": 200, "max_bytes": 100_000}
TOTP_ONLY = "Alleen TOTP-tokens worden ondersteund"

# Hypothesis: no example database in the working tree; pytest-django's autouse settings
# fixture is function-scoped but the parser never touches it.
FUZZ = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def parse(data: bytes, **kwargs) -> list[TokenRow]:
    return parse_azure_csv(data, **{**LIMITS, **kwargs})


def problems(data: bytes, **kwargs) -> list[tuple[int | None, str]]:
    with pytest.raises(AzureCsvError) as caught:
        parse(data, **kwargs)
    return [(problem.line, problem.message) for problem in caught.value.problems]


def assert_problems(data: bytes, expected: list[tuple[int | None, str]], **kwargs) -> None:
    """The problems are exactly these lines, in this order, each message containing its text."""
    found = problems(data, **kwargs)
    assert [line for line, _ in found] == [line for line, _ in expected], found
    for (_, message), (_, text) in zip(found, expected, strict=True):
        assert text in message


def secret(n: int, nbytes: int = 20) -> str:
    """A Base32 seed of nbytes, different for every n."""
    seed = hashlib.sha256(str(n).encode()).digest()[:nbytes]
    return base64.b32encode(seed).decode().rstrip("=")


def token_file(count: int, *, first_serial: int = 1) -> bytes:
    lines = [HEADER]
    for n in range(first_serial, first_serial + count):
        lines.append(f",{n:010d},{secret(n)},30,Feitian,OTP c200")
    return ("\r\n".join(lines) + "\r\n").encode()


# What real files look like


def test_it_reads_microsofts_example_file():
    assert parse(corpus("azure-tokens-example.csv")) == [
        TokenRow(
            line=2,
            upn="jan.jansen@example.org",
            serial="1000000101",
            secret=seed_of("QB53ARG7HAHQJFPGBSG2GUUP7XU3CFDM"),
            interval=30,
            manufacturer="Feitian",
            model="OTP c200",
        ),
        TokenRow(
            line=3,
            upn="",
            serial="1000000102",
            secret=seed_of("ZI2U6JIOQ7ZE6RJM2UGASMDWZ34VJHKE"),
            interval=60,
            manufacturer="Feitian",
            model="OTP c200",
        ),
        TokenRow(
            line=4,
            upn="beheer@example.org",
            serial="1000000103",
            secret=seed_of("QZIP4F5TVY2MWRXRPVUZB4RTP3ZXFN6LGYE35MHN3S64INY43ZUA"),
            interval=30,
            manufacturer="Token2",
            model="C202",
        ),
    ]


def test_it_keeps_the_256_bit_secret_whole():
    rows = parse(corpus("azure-tokens-example.csv"))
    assert [len(row.secret) for row in rows] == [20, 20, 32]


def test_it_reads_the_token2_style_file_with_timeinterval_and_empty_upn():
    assert parse(corpus("azure-tokens-token2-style.csv")) == [
        TokenRow(
            line=2,
            upn="",
            serial="60234567",
            secret=seed_of("YL7WGPZUN5MN5BAQIMNX3IAFRXBDF3YG"),
            interval=30,
            manufacturer="Token2",
            model="C202",
        ),
        TokenRow(
            line=3,
            upn="",
            serial="60234568",
            secret=seed_of("SPK37JUQFGD4LP63TSVKNTLWYWQ4ESD5"),
            interval=30,
            manufacturer="Token2",
            model="C202",
        ),
    ]


def test_it_accepts_a_utf8_bom_and_crlf():
    data = corpus("bom.csv")
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    [row] = parse(data)
    assert (row.line, row.upn, row.serial) == (2, "piet@example.org", "2000000001")


def test_it_gives_the_same_rows_for_crlf_and_lf():
    crlf = corpus("azure-tokens-example.csv")
    assert parse(crlf) == parse(crlf.replace(b"\r\n", b"\n"))


def test_it_accepts_the_header_in_any_case_with_surrounding_spaces():
    [row] = parse(corpus("header-upper-case.csv"))
    assert (row.serial, row.interval) == ("2000000002", 60)


def test_it_accepts_timeinterval_in_mixed_case():
    [row] = parse(corpus("header-timeinterval-mixed-case.csv"))
    assert row.serial == "2000000003"


def test_it_reads_quoted_fields_and_a_spaced_lower_case_padded_secret():
    first, second = parse(corpus("quoted-fields.csv"))
    assert first.model == "OTP c200, zwart"
    assert first.serial == "0002000004"
    assert len(first.secret) == 16  # 26 Base32 characters: just enough
    assert first.secret == seed_of(secret(4, 16))
    assert (second.upn, second.serial, second.model) == ("", "0002000005", "")


def test_it_skips_blank_lines_but_counts_them():
    rows = parse(corpus("blank-lines.csv"))
    assert [(row.line, row.serial) for row in rows] == [(3, "2000000006"), (6, "2000000007")]


def test_it_keeps_leading_zeros_in_serials():
    rows = parse(token_file(3))
    assert [row.serial for row in rows] == ["0000000001", "0000000002", "0000000003"]


def test_a_row_never_shows_its_secret_in_its_repr():
    [row, *_] = parse(corpus("azure-tokens-example.csv"))
    assert "QB53" not in repr(row)
    assert repr(row.secret) not in repr(row)


def test_a_problem_reads_as_a_sentence_with_its_line():
    problem = CsvProblem(line=7, message="Het serienummer ontbreekt.")
    assert str(problem) == "Regel 7: Het serienummer ontbreekt."
    assert str(CsvProblem(line=None, message="Het bestand is leeg.")) == "Het bestand is leeg."


# Whole-file problems


def test_it_refuses_an_empty_file():
    assert_problems(corpus("empty.csv"), [(None, "Het bestand bevat geen tokens")])


def test_it_refuses_a_file_with_only_blank_lines_or_a_bom():
    assert_problems(b"\xef\xbb\xbf\r\n\r\n  \n", [(None, "Het bestand bevat geen tokens")])


def test_it_refuses_a_file_with_only_a_header():
    assert_problems(corpus("header-only.csv"), [(None, "Het bestand bevat geen tokens")])


@pytest.mark.parametrize(
    "name", ["wrong-header.csv", "header-missing.csv", "header-extra-column.csv"]
)
def test_it_refuses_a_wrong_header_and_says_which_header_is_expected(name):
    assert_problems(corpus(name), [(None, f"de kopregel ‘{HEADER}’")])


def test_it_explains_semicolons_from_dutch_excel():
    assert_problems(corpus("semicolons.csv"), [(None, "puntkomma's als scheidingsteken")])


def test_it_refuses_a_file_that_is_not_utf8():
    assert_problems(corpus("not-utf8.csv"), [(None, "Het bestand is geen UTF-8-tekst")])


def test_it_refuses_a_png():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    assert_problems(png, [(None, "Het bestand is geen UTF-8-tekst")])


def test_it_refuses_random_bytes():
    noise = random.Random(2024).randbytes(50_000)
    assert_problems(noise, [(None, "Het bestand is geen UTF-8-tekst")])


def test_it_refuses_text_that_is_no_csv_at_all():
    assert_problems(b"Beste Jan,\nhierbij de tokens.\n", [(None, "de kopregel")])


def test_it_refuses_a_file_that_is_too_large_without_reading_it():
    data = b"\xff" * 1001  # not UTF-8 either, but the size is all that is checked
    assert_problems(data, [(None, "Het bestand is te groot")], max_bytes=1000)


def test_it_accepts_a_file_of_exactly_max_bytes():
    data = corpus("azure-tokens-example.csv")
    assert len(parse(data, max_bytes=len(data))) == 3


def test_it_accepts_200_token_lines():
    assert len(parse(token_file(200), max_rows=200)) == 200


def test_it_refuses_201_token_lines_and_names_the_limit():
    assert_problems(
        token_file(201),
        [(None, "Het bestand bevat 201 tokenregels, maar er mogen hoogstens 200 tokenregels")],
        max_rows=200,
    )


def test_blank_lines_do_not_count_as_token_lines():
    data = token_file(200).replace(b"\r\n", b"\r\n\r\n")
    assert len(parse(data, max_rows=200)) == 200


# Problems on a line


def test_it_refuses_hotp_tokens():
    assert_problems(
        corpus("hotp.csv"),
        [(2, TOTP_ONLY), (3, TOTP_ONLY), (4, TOTP_ONLY), (5, TOTP_ONLY)],
    )


def test_it_refuses_an_unknown_time_interval():
    unknown = "onbekend tijdsinterval"
    assert_problems(
        corpus("unknown-interval.csv"), [(2, unknown), (3, unknown), (4, unknown), (5, unknown)]
    )


def test_it_refuses_a_hex_secret_with_a_hint_to_convert_it():
    hint = "zet de hex-sleutel eerst om naar Base32"
    assert_problems(corpus("hex-secret.csv"), [(2, hint), (3, hint)])


def test_it_refuses_a_secret_that_is_not_base32():
    bad = "geen geldige Base32"
    assert_problems(corpus("bad-base32.csv"), [(2, bad), (3, bad), (4, bad)])


def test_it_refuses_a_secret_shorter_than_128_bits():
    short = "te kort: er zijn minstens 128 bits nodig"
    assert_problems(corpus("short-secret.csv"), [(2, short), (3, short)])


def test_it_refuses_a_secret_longer_than_128_characters_and_a_missing_one():
    assert_problems(
        corpus("long-secret.csv"),
        [
            (2, "te lang: hoogstens 128 Base32-tekens"),
            (3, "De geheime sleutel (secret key) ontbreekt"),
        ],
    )


def test_it_accepts_a_secret_of_exactly_128_characters():
    seed = bytes(range(80))
    written = base64.b32encode(seed).decode()
    assert len(written) == 128
    [row] = parse((HEADER + f"\n,1,{written},30,,\n").encode())
    assert row.secret == seed


def test_it_refuses_a_missing_serial():
    missing = "Het serienummer ontbreekt"
    assert_problems(corpus("missing-serial.csv"), [(3, missing), (4, missing)])


def test_it_refuses_fields_that_are_too_long():
    assert_problems(
        corpus("long-fields.csv"),
        [
            (2, "De kolom ‘serial number’ is te lang: hoogstens 64 tekens"),
            (3, "De kolom ‘manufacturer’ is te lang: hoogstens 100 tekens"),
            (4, "De kolom ‘model’ is te lang: hoogstens 100 tekens"),
        ],
    )


def test_it_refuses_control_characters_and_counts_a_line_break_in_quotes():
    # The quoted serial on line 2 runs on to line 3, so the tab is on line 4.
    assert_problems(
        corpus("control-characters.csv"),
        [
            (2, "De kolom ‘serial number’ bevat onzichtbare tekens"),
            (4, "De kolom ‘serial number’ bevat onzichtbare tekens"),
            (5, "De kolom ‘model’ bevat onzichtbare tekens"),
            (6, "De kolom ‘serial number’ bevat onzichtbare tekens"),
        ],
    )


def test_it_refuses_a_serial_twice_in_the_file_naming_the_first_line():
    # 49000001 is another token than 0049000001: serials are opaque.
    assert_problems(
        corpus("duplicate-serial.csv"),
        [
            (4, "Serienummer 0049000001 staat ook al op regel 2"),
            (6, "Serienummer 0049000001 staat ook al op regel 2"),
        ],
    )


def test_it_refuses_a_line_with_the_wrong_number_of_columns():
    assert_problems(
        corpus("wrong-column-count.csv"),
        [
            (2, "Deze regel heeft 5 kolommen, maar er moeten er 6 zijn"),
            (3, "Deze regel heeft 7 kolommen, maar er moeten er 6 zijn"),
            (5, "Deze regel heeft 1 kolom, maar er moeten er 6 zijn"),
        ],
    )


def test_it_refuses_a_quote_that_is_never_closed():
    assert_problems(corpus("unclosed-quote.csv"), [(3, "aanhalingsteken niet is afgesloten")])


def test_it_reports_every_problem_of_one_line():
    assert_problems(
        corpus("several-problems-on-one-line.csv"),
        [(2, "Het serienummer ontbreekt"), (2, "hex-sleutel"), (2, TOTP_ONLY)],
    )


def test_one_bad_line_among_good_ones_imports_nothing():
    assert_problems(corpus("one-bad-line-among-good.csv"), [(7, "onbekend tijdsinterval")])


def test_it_reports_every_bad_line_sorted_by_line():
    data = corpus("hotp.csv") + corpus("unknown-interval.csv").split(b"\n", 1)[1]
    found = problems(data)
    assert [line for line, _ in found] == [2, 3, 4, 5, 7, 8, 9, 10]


def test_it_caps_the_problems_at_100_and_says_how_many_more():
    lines = [HEADER] + [f",,{secret(n)},30,Feitian,OTP c200" for n in range(150)]
    found = problems("\n".join(lines).encode())
    assert len(found) == 101
    assert [line for line, _ in found[:100]] == list(range(2, 102))
    assert found[100] == (
        None,
        "Er zijn nog 50 andere problemen. Los eerst de problemen hierboven op en upload het "
        "bestand dan opnieuw.",
    )


def test_whole_file_problems_come_before_line_problems():
    data = (HEADER + "\r\n,,AAAA,30,,\r\n").encode() + token_file(3).split(b"\r\n", 1)[1]
    found = problems(data, max_rows=3)
    assert [line for line, _ in found] == [None, 2, 2]
    assert "Het bestand bevat 4 tokenregels, maar er mogen hoogstens 3 tokenregels" in found[0][1]


def test_lines_past_the_limit_are_counted_but_not_checked_nor_looked_up():
    asked = []

    def known_serials(serials):
        asked.append(serials)
        return set()

    data = token_file(250) + b",,AAAA,30,,\r\n"
    found = problems(data, max_rows=200, known_serials=known_serials)
    assert found == [
        (
            None,
            "Het bestand bevat 251 tokenregels, maar er mogen hoogstens 200 tokenregels in één "
            "bestand staan. Splits het bestand en upload de delen apart.",
        )
    ]
    assert [len(serials) for serials in asked] == [200]


def test_it_survives_a_line_of_a_megabyte():
    long_line = b",9" + b"9" * 1_000_000 + b",AAAA,30,,\r\n"
    data = token_file(2) + long_line + token_file(1, first_serial=3).split(b"\r\n", 1)[1]
    assert_problems(data, [(4, "Deze regel is veel te lang voor een token")], max_bytes=2_000_000)


def test_it_survives_a_field_beyond_csvs_field_size_limit():
    huge = '"' + "A" * 300_000 + '"'
    data = (HEADER + f"\n,1,{huge},30,,\n,2,{secret(2)},30,,\n").encode()
    assert_problems(data, [(2, "veel te lang")], max_bytes=1_000_000)


def test_it_never_shows_a_secret_in_a_problem():
    data = corpus("one-bad-line-among-good.csv")
    with pytest.raises(AzureCsvError) as caught:
        parse(data)
    text = str(caught.value) + " ".join(str(problem) for problem in caught.value.problems)
    assert secret(6) not in text


# The inventory


def test_it_reports_serials_already_in_the_inventory_with_one_question():
    asked = []

    def known_serials(serials):
        asked.append(serials)
        return {"1000000102", "9999999999"}

    assert_problems(
        corpus("azure-tokens-example.csv"),
        [(3, "Dit serienummer is al bekend: 1000000102 staat al in de voorraad")],
        known_serials=known_serials,
    )
    assert asked == [{"1000000101", "1000000102", "1000000103"}]


def test_it_asks_the_inventory_about_serials_on_bad_lines_too():
    asked = []

    def known_serials(serials):
        asked.append(serials)
        return {"0049000002"}

    found = problems(corpus("duplicate-serial.csv"), known_serials=known_serials)
    assert asked == [{"0049000001", "0049000002", "49000001"}]
    assert [line for line, _ in found] == [3, 4, 6]
    assert "serienummer is al bekend" in found[0][1]


def test_it_passes_when_no_serial_is_known():
    asked = []

    def known_serials(serials):
        asked.append(serials)
        return set()

    rows = parse(corpus("azure-tokens-token2-style.csv"), known_serials=known_serials)
    assert len(rows) == 2
    assert asked == [{"60234567", "60234568"}]


def test_it_does_not_ask_the_inventory_about_a_file_with_a_wrong_header():
    asked = []
    with pytest.raises(AzureCsvError):
        parse(corpus("wrong-header.csv"), known_serials=asked.append)
    assert asked == []


# Fuzzing: whatever the bytes, rows or AzureCsvError, nothing else


def check_outcome(data: bytes, **kwargs) -> None:
    try:
        rows = parse(data, **kwargs)
    except AzureCsvError as error:
        assert 1 <= len(error.problems) <= 101
        assert all(isinstance(problem.message, str) for problem in error.problems)
        assert all(problem.message for problem in error.problems)
    else:
        assert rows
        for row in rows:
            assert row.interval in (30, 60)
            assert 16 <= len(row.secret) <= 80
            assert row.serial and len(row.serial) <= 64


@FUZZ
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_give_rows_or_an_azure_csv_error(data):
    check_outcome(data)


CSV_PIECES = st.sampled_from(
    [
        HEADER,
        HEADER.upper(),
        HEADER.replace("time interval", "timeinterval"),
        HEADER.replace(",", ";"),
        ",",
        ",,,,,",
        '"',
        '""',
        " ",
        "\t",
        "\r\n",
        "\n",
        "\r",
        "\x00",
        "\ufeff",
        "\u2028",
        "=",
        "30",
        "60",
        "0",
        "45",
        "-1",
        "9" * 5000,
        "hotp",
        "Counter",
        "1000000101",
        "00123",
        "jan@example.org",
        "Feitian",
        "OTP c200",
        "é",
        "QB53ARG7HAHQJFPGBSG2GUUP7XU3CFDM",
        "qb53 arg7 hahq jfpg bsg2 guup 7xu3 cfdm",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "0123456789abcdef0123456789abcdef",
        "A" * 200,
    ]
)


@FUZZ
@given(
    st.sampled_from(["", HEADER + "\n", HEADER + "\r\n", "\ufeff" + HEADER + "\r\n"]),
    st.lists(st.one_of(CSV_PIECES, st.text(max_size=8)), max_size=60),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]),
    st.integers(min_value=0, max_value=5),
)
def test_csv_like_text_gives_rows_or_an_azure_csv_error(header, pieces, encoding, max_rows):
    data = (header + "".join(pieces)).encode(encoding, errors="replace")
    check_outcome(data, max_rows=max_rows)


VISIBLE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")),
    max_size=30,
)


@st.composite
def token_rows(draw):
    """Valid rows, with the serial free text and the secret written the way vendors do."""
    serials = draw(
        st.lists(
            VISIBLE_TEXT.map(str.strip).filter(lambda s: 0 < len(s) <= 64),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    rows = []
    for line, serial in enumerate(serials, start=2):
        seed = draw(st.binary(min_size=16, max_size=80))
        written = base64.b32encode(seed).decode()
        if draw(st.booleans()):
            written = written.rstrip("=").lower()
        if draw(st.booleans()):
            written = " ".join(written[i : i + 4] for i in range(0, len(written), 4))
        row = TokenRow(
            line=line,
            upn=draw(VISIBLE_TEXT).strip(),
            serial=serial,
            secret=seed,
            interval=draw(st.sampled_from([30, 60])),
            manufacturer=draw(VISIBLE_TEXT).strip(),
            model=draw(VISIBLE_TEXT).strip(),
        )
        rows.append((row, written))
    return rows


@FUZZ
@given(token_rows())
def test_valid_rows_written_by_the_csv_module_come_back_unchanged(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER.split(","))
    for row, written in rows:
        writer.writerow([row.upn, row.serial, written, row.interval, row.manufacturer, row.model])
    assert parse(out.getvalue().encode()) == [row for row, _ in rows]
