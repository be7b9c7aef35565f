"""The CSV's problems on "Token instellen" are shown in the main column, where a long list can
be read, not in the narrow side column with the upload form (issue 15, point 10)."""

import re

import pytest

from tests.support import TOKEN_CSV, text, upload
from tokens.models import HardwareToken

pytestmark = pytest.mark.django_db

TOKEN = "/registreren/token/"
UPLOAD = "/registreren/token/uploaden/"
BAD_LINES = b"".join(
    f",10000002{n:02d},0123456789abcdef0123456789abcdef,30,Feitian,OTP c200\r\n".encode()
    for n in range(12)
)


def main_and_aside(html: str) -> tuple[str, str]:
    main = re.search(r"<main\b.*?</main>", html, re.S).group(0)
    aside = re.search(r"<aside\b.*?</aside>", html, re.S).group(0)
    return main, aside


def test_the_problems_of_a_bad_csv_are_listed_in_the_main_column(registered_client):
    page = upload(registered_client, UPLOAD, TOKEN_CSV + BAD_LINES)
    assert page.status_code == 200
    main, aside = main_and_aside(text(page))
    assert "De CSV is niet ge-upload" in main
    assert main.count("<li>Regel ") == 12
    assert "Het zijn 12 problemen:" in main
    assert "De CSV is niet ge-upload" not in aside
    assert "<li>Regel " not in aside
    assert not HardwareToken.objects.exists()


def test_the_file_field_in_the_side_column_points_to_the_problems_and_is_described_by_them(
    registered_client,
):
    main, aside = main_and_aside(text(upload(registered_client, UPLOAD, TOKEN_CSV + BAD_LINES)))
    assert "Niet ge-upload: zie de problemen bovenaan de pagina." in aside
    assert 'aria-describedby="id_csv_file-error"' in aside
    assert 'id="id_csv_file-error"' in main
    assert 'href="#id_csv_file">Naar het bestandsveld</a>' in main


def test_a_single_problem_is_not_counted(registered_client):
    main, _aside = main_and_aside(text(upload(registered_client, UPLOAD, b"")))
    assert "De CSV is niet ge-upload" in main
    assert "problemen:" not in main


def test_the_link_form_keeps_its_own_errors_apart(registered_client):
    page = text(registered_client.post(TOKEN, {"serial": "", "code": ""}))
    main, _aside = main_and_aside(page)
    assert "De CSV is niet ge-upload" not in page
    assert "Er ging iets mis" in main
