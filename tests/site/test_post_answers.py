"""Pages that answer a POST say so (`data-answer-to-post` on the body), so zorgportaal.js can
make their history entry a plain GET: Back from the next step then shows a page, never the
browser's "Confirm Form Resubmission" (issue 15, point 8; the browser half is in
tests/browser/test_rough_edges.py)."""

import re

import pytest

from tests.support import GOOD_PASSWORD, text

pytestmark = pytest.mark.django_db

MARKER = "data-answer-to-post"


def body_tag(response) -> str:
    return re.search(r"<body[^>]*>", text(response)).group(0)


def test_a_page_asked_for_with_get_is_not_marked(client):
    assert MARKER not in body_tag(client.get("/inloggen/"))


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/inloggen/", {"email": "niemand@delinde.example", "password": "fout"}),
        ("/wachtwoord-vergeten/", {"email": "geen adres"}),
    ],
)
def test_a_form_back_with_its_mistakes_is_marked(client, url, data):
    page = client.post(url, data)
    assert page.status_code == 200
    assert MARKER in body_tag(page)


def test_a_wrong_code_at_the_code_step_is_marked(client, person):
    client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    page = client.post("/inloggen/code/", {"device": person.app.persistent_id, "code": "000000"})
    assert "Deze code klopt niet" in text(page)
    assert MARKER in body_tag(page)


def test_the_script_that_replaces_the_history_entry_is_on_every_page(client):
    page = text(client.get("/inloggen/"))
    assert re.search(r'<script src="/static/js/zorgportaal\.[^"]*js" defer></script>', page)
