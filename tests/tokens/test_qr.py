"""The QR code of "App instellen" (tokens.qr): qrcode's own matrix, drawn cheaply, accessibly.

No decoder is needed to know the code scans: the matrix equals the one qrcode makes for the
same data, version and level (mask choice included), and the drawing is read back into that
matrix module by module.
"""

import re
from urllib.parse import quote

import pytest
import qrcode
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st
from qrcode import util

from tokens import qr, services
from tokens.models import AppDevice

APP = "/registreren/app/"
SEED_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# The otpauth:// URI the version is picked for: an issuer of 24 characters as it is quoted in
# the URI (the environment's name, "ZorgPortaal Acceptatie", is 22 plus "%20") and an address of
# 64 characters, and still 8 bytes to spare.
KNOWN_MAXIMUM_ISSUER = "ZorgPortaal Acceptatie"
KNOWN_MAXIMUM_ADDRESS_LENGTH = 64
SPARE_BYTES = 8


def uri_for(email: str, seed: str = SEED_ALPHABET, issuer: str = "ZorgPortaal") -> str:
    """The URI as services.otpauth_uri writes it."""
    quoted = quote(issuer)
    return (
        f"otpauth://totp/{quoted}:{quote(email, safe='@')}?secret={seed}&issuer={quoted}"
        "&algorithm=SHA1&digits=6&period=30"
    )


def qrcode_matrix(uri: str, version: int) -> list[str]:
    """qrcode's own matrix for this data at this version and level, its mask chosen by it."""
    code = qrcode.QRCode(version=version, error_correction=qr.ERROR_CORRECTION, border=0)
    code.add_data(uri)
    code.make(fit=False)
    return ["".join("1" if module else "0" for module in row) for row in code.modules]


def fitted_version(uri: str, error_correction=qr.ERROR_CORRECTION) -> int:
    code = qrcode.QRCode(error_correction=error_correction)
    code.add_data(uri)
    return code.best_fit()


def drawn_matrix(svg: str) -> list[str]:
    """The modules the SVG's path covers: "M4 4.5", then per row "h<k>" over k dark modules,
    "m<k> 0" over k light ones, and "m-<size> 1" to the start of the next row."""
    path = re.search(r' d="M4 4\.5([^"]*)"', svg).group(1)
    rows, row = [], []
    for command, first, second in re.findall(r"([hm])(-?\d+)(?: (-?\d+))?", path):
        if command == "h":
            row.append("1" * int(first))
        elif second == "0":
            row.append("0" * int(first))
        else:
            assert second == "1" and int(first) < 0
            rows.append("".join(row))
            row = []
    rows.append("".join(row))
    width = len(rows)
    return [line.ljust(width, "0") for line in rows]


seeds = st.text(alphabet=SEED_ALPHABET, min_size=32, max_size=32)
addresses = st.builds(
    lambda local, domain: f"{local}@{domain}.example",
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.-_+'", min_size=1, max_size=40),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=20),
)


@settings(max_examples=30, deadline=None)
@given(email=addresses, seed=seeds)
def test_the_matrix_is_qrcodes_own_for_the_same_data_version_and_level(email, seed):
    uri = uri_for(email, seed)
    size, rows = qr.matrix_rows(uri)
    assert size == 4 * qr.VERSION + 17
    assert rows == qrcode_matrix(uri, qr.VERSION)


def test_the_picked_version_and_level_hold_the_known_maximum_with_bytes_to_spare():
    email = "a" * (KNOWN_MAXIMUM_ADDRESS_LENGTH - len("@zorg.example")) + "@zorg.example"
    longest = uri_for(email, issuer=KNOWN_MAXIMUM_ISSUER)
    assert len(quote(KNOWN_MAXIMUM_ISSUER)) == 24
    assert len(email) == KNOWN_MAXIMUM_ADDRESS_LENGTH
    assert fitted_version(longest + "x" * SPARE_BYTES) <= qr.VERSION
    assert qr.version_for(list(util.optimal_data_chunks(longest, minimum=20))) == qr.VERSION
    assert qr.ERROR_CORRECTION == qrcode.constants.ERROR_CORRECT_M
    # Picked, not the largest that would do: a usual address needs all but one version of it.
    assert fitted_version(uri_for("anna.devries@delinde.example")) >= qr.VERSION - 2


def test_the_version_is_picked_even_when_a_smaller_one_would_do():
    size, rows = qr.matrix_rows(uri_for("a@b.nl"))
    assert fitted_version(uri_for("a@b.nl")) < qr.VERSION
    assert size == 4 * qr.VERSION + 17
    assert rows == qrcode_matrix(uri_for("a@b.nl"), qr.VERSION)


@pytest.mark.parametrize(
    ("email", "issuer"),
    [
        ("a" * 241 + "@zorg.example", "ZorgPortaal"),  # the longest address the model holds
        ("anna+zorg%test@delinde.example", "Zorggroep De Linde, Acceptatie & Test " * 3),
        ("ánna@" + "zörg-" * 40 + "example", "ZorgPortaal"),  # 9 characters per "ö"
    ],
)
def test_a_long_address_or_issuer_still_gets_a_code_in_the_smallest_version_that_holds_it(
    email, issuer
):
    uri = uri_for(email, issuer=issuer)
    size, rows = qr.matrix_rows(uri)
    version = (size - 17) // 4
    assert version == max(qr.VERSION, fitted_version(uri))
    assert version > qr.VERSION
    assert rows == qrcode_matrix(uri, version)
    assert drawn_matrix(qr.qr_svg(uri)) == rows


def test_the_longest_address_in_any_script_still_fits_as_its_escapes_are_alphanumeric():
    email = "anna@" + "诊所" * 123 + ".cn"  # 254 characters, 9 in the URI for each of these
    uri = uri_for(email)
    assert len(email) == 254
    assert len(uri.encode()) > 2331  # more than version 40 holds as bytes
    size, rows = qr.matrix_rows(uri)
    assert rows == qrcode_matrix(uri, (size - 17) // 4)


def test_more_than_any_qr_code_holds_gives_no_code_and_a_warning_without_the_data(caplog):
    uri = uri_for("anna@" + "z" * 2400 + ".example", seed="TOOLONGSEED" + "A" * 21)
    with pytest.raises(qr.TooLong):
        qr.matrix_rows(uri)
    assert qr.qr_svg(uri) == ""
    assert "more than a QR code holds" in caplog.text
    assert "TOOLONGSEED" not in caplog.text and "anna@" not in caplog.text


def test_the_drawing_is_the_matrix_module_by_module():
    uri = uri_for("anna.devries@delinde.example")
    _, rows = qr.matrix_rows(uri)
    assert drawn_matrix(qr.qr_svg(uri)) == rows


def test_the_svg_is_an_image_with_a_title_a_quiet_zone_and_no_style_attribute():
    svg = qr.qr_svg(uri_for("anna.devries@delinde.example"))
    width = 4 * qr.VERSION + 17 + 2 * qr.BORDER
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" ')
    assert f'viewBox="0 0 {width} {width}"' in svg
    assert 'role="img"' in svg
    assert 'aria-labelledby="qr-code-title"' in svg
    assert (
        '<title id="qr-code-title">QR-code om uw account toe te voegen aan uw authenticator-app'
        "</title>" in svg
    )
    assert f'<rect width="{width}" height="{width}" fill="#fff"/>' in svg
    assert "style=" not in svg
    assert "<script" not in svg
    assert "otpauth" not in svg  # the URI is drawn, never written


def test_the_same_uri_is_drawn_the_same_and_another_seed_differently():
    first = qr.qr_svg(uri_for("anna@delinde.example", "A" * 32))
    assert qr.qr_svg(uri_for("anna@delinde.example", "A" * 32)) == first
    assert qr.qr_svg(uri_for("anna@delinde.example", "B" * 32)) != first


def test_what_is_cached_is_geometry_keyed_by_numbers_never_a_uri_or_seed():
    seed = "QRSEEDQRSEEDQRSEEDQRSEEDQRSEEDQR"
    qr.qr_svg(uri_for("anna@delinde.example", seed))
    layout = qr._layout(qr.VERSION)
    for value in vars(layout).values():
        assert not isinstance(value, str | bytes)
    assert qr._layout.cache_info().currsize <= 41
    assert qr._rs_table.cache_info().currsize <= 31
    assert qr._strokes_table.cache_info().currsize <= 41


def test_the_app_page_shows_the_code_of_its_own_uri(clock, registered_client):
    page = registered_client.get(APP)
    device = AppDevice.objects.get(user=registered_client.user)
    uri = services.otpauth_uri(device)
    _, rows = qr.matrix_rows(uri)
    html = page.content.decode()
    svg = re.search(r"<svg.*?</svg>", html, re.DOTALL).group(0)
    assert drawn_matrix(svg) == rows
    assert rows == qrcode_matrix(uri, qr.VERSION)


def test_the_app_page_asks_the_database_no_more_than_it_must(clock, registered_client):
    """Person, the gate's three factor lists (app, token, key), the unconfirmed app (and on
    the first visit: the name check over the three, creating it, its audit line); the session
    read is the session store's (none with Redis). The QR code costs no query, and the person
    the URI names is the one already loaded."""
    with CaptureQueriesContext(connection) as first:
        assert registered_client.get(APP).status_code == 200
    with CaptureQueriesContext(connection) as again:
        assert registered_client.get(APP).status_code == 200
    assert len(beyond_the_session(first)) == FIRST_VISIT_QUERIES
    assert len(beyond_the_session(again)) == LATER_VISIT_QUERIES


def beyond_the_session(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if '"django_session"' not in q["sql"]]


FIRST_VISIT_QUERIES = 10
LATER_VISIT_QUERIES = 5
