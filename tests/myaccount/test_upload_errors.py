"""Mijn account's "Azure CSV uploaden": the upload form is in the main column, and so are its
problems, every one of them (issue 15, point 10)."""

import re

import pytest

from tests.support import TOKEN_CSV, log_in, text, upload

pytestmark = pytest.mark.django_db

# Twelve lines whose secret is hex, not Base32: twelve problems.
HEX_SECRETS = b"".join(
    f",20000003{n:02d},0123456789abcdef0123456789abcdef,30,Feitian,OTP c200\r\n".encode()
    for n in range(12)
)


def test_in_mijn_account_the_problems_stay_with_the_upload_form_in_the_main_column(client, person):
    log_in(client, person)
    page = text(upload(client, "/mijn-account/azure-csv/", TOKEN_CSV + HEX_SECRETS))
    main = re.search(r"<main\b.*?</main>", page, re.S).group(0)
    assert main.count("<li>Regel ") == 12
    assert "zie de problemen bovenaan" not in main
