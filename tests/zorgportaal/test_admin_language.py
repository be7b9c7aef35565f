"""The admin in Dutch throughout: Django 5.2's Dutch catalogue lacks a few of its texts (the
multi-select widget's "Choose all %s"), which locale_django/nl adds (README "Languages")."""

import re
from pathlib import Path

import django
import pytest
from django.utils import translation
from django.utils.translation.trans_real import DjangoTranslation
from django.views.i18n import JavaScriptCatalog

pytestmark = pytest.mark.django_db

ADMIN = Path(django.__file__).parent / "contrib" / "admin"
GETTEXT_CALL = re.compile(r"""\bgettext\(\s*(['"])((?:\\.|(?!\1).)+)\1\s*\)""")


def admin_javascript_texts() -> set[str]:
    """Every text the admin's own scripts (not their vendored libraries) translate."""
    texts = set()
    for script in (ADMIN / "static" / "admin" / "js").rglob("*.js"):
        if "vendor" not in script.parts:
            found = GETTEXT_CALL.findall(script.read_text(encoding="utf-8"))
            texts |= {re.sub(r"\\(.)", r"\1", text) for _quote, text in found}
    return texts


def test_every_text_of_the_admins_scripts_has_dutch():
    paths = JavaScriptCatalog().get_paths(["django.contrib.admin"])
    catalogue = DjangoTranslation("nl", domain="djangojs", localedirs=paths)
    texts = admin_javascript_texts()
    assert "Choose all %s" in texts
    same_in_dutch = {"Filter"}
    missing = sorted(t for t in texts - same_in_dutch if catalogue.gettext(t) == t)
    assert missing == [], "add these to locale_django/nl/LC_MESSAGES/djangojs.po"


def test_the_admins_javascript_catalogue_is_dutch(admin_client):
    catalogue = admin_client.get("/admin/jsi18n/").content.decode()
    assert '"Choose all %s": "Alle %s kiezen"' in catalogue
    assert '"Remove all %s": "Alle %s verwijderen"' in catalogue


def test_in_english_the_admins_javascript_stays_english(admin_client):
    admin_client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    catalogue = admin_client.get("/admin/jsi18n/").content.decode()
    assert "Alle %s kiezen" not in catalogue


def test_a_page_with_the_multi_select_widget_loads_the_dutch_catalogue(admin_client):
    page = admin_client.get(f"/admin/accounts/user/{admin_client.user.pk}/change/").content
    page = page.decode()
    assert 'src="/admin/jsi18n/"' in page
    assert "SelectFilter2.js" in page
    assert "Beschikbare" not in page  # the widget is drawn by the script, from the catalogue


def test_the_admins_own_page_texts_that_django_lacks_are_dutch(admin_client):
    index = admin_client.get("/admin/").content.decode()
    assert "Modelnaam" in index and "Model name" not in index
    with translation.override("nl"):
        assert translation.gettext("Change or view list link") != "Change or view list link"
