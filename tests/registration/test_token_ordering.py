"""Manual 2.4.2, "Token bestellen": where to buy a supported TOTP token, on "Token instellen"
in registration and in Mijn account (TOKEN_SHOP_URL, TOKEN_SHOP_TEXT)."""

import pytest

from tests.support import log_in

pytestmark = pytest.mark.django_db

SHOP = "https://fidosecurity.nl/winkel?store-page=OTP-c200-time-based-TOTP-hardware-token"


@pytest.fixture
def shop(settings):
    settings.TOKEN_SHOP_URL = SHOP
    settings.TOKEN_SHOP_TEXT = "fidosecurity.nl"


def test_token_setup_links_the_shop_and_says_only_totp_tokens_work(registered_client, shop):
    page = registered_client.get("/registreren/token/").content.decode()
    assert '<h2 id="order-heading">Token bestellen</h2>' in page
    assert (
        f'Tokens zijn te bestellen via <a href="{SHOP}" rel="noopener">fidosecurity.nl</a>.' in page
    )
    assert "Alleen TOTP-tokens worden ondersteund (zoals de OTP c200), HOTP-tokens niet." in page
    assert "Vraag de servicedesk van uw organisatie" not in page


def test_without_a_shop_the_page_says_to_ask_the_organisation(registered_client):
    page = registered_client.get("/registreren/token/").content.decode()
    assert "Token bestellen" in page
    assert "Vraag de servicedesk van uw organisatie waar u een token kunt bestellen." in page
    assert "Tokens zijn te bestellen via" not in page
    assert "Alleen TOTP-tokens worden ondersteund" in page


def test_the_shop_link_text_and_address_are_escaped(registered_client, settings):
    settings.TOKEN_SHOP_URL = 'https://shop.example/?a=1&b="x"'
    settings.TOKEN_SHOP_TEXT = "<b>Shop</b>"
    page = registered_client.get("/registreren/token/").content.decode()
    assert 'href="https://shop.example/?a=1&amp;b=&quot;x&quot;"' in page
    assert "&lt;b&gt;Shop&lt;/b&gt;" in page


def test_mijn_account_token_page_links_the_shop_too(client, person, shop):
    log_in(client, person)
    page = client.get("/mijn-account/token/").content.decode()
    assert f'<a href="{SHOP}" rel="noopener">fidosecurity.nl</a>' in page
