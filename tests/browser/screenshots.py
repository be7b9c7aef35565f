"""`make screenshots`: a PNG of every screen of every journey for the user manual.

Not part of the normal test run (the file name does not start with test_); the Makefile runs
it by its path. Each language starts from an empty database with the demo data and walks the
real journeys (tests/browser/journeys.py) in Chromium, at desktop and at phone size:

    screenshots/<nl|en>/<desktop|phone>/<NN>-<screen>.png   and   screenshots/index-<nl|en>.html
"""

import html
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.journeys import Journeys

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}
OUT = Path(settings.BASE_DIR) / "screenshots"


class Camera:
    def __init__(self, language):
        self.language = language
        self.shots = []
        for size in SIZES:
            folder = OUT / language / size
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)

    def __call__(self, page, name):
        assert page.locator("html").get_attribute("lang") == self.language, name
        number = len(self.shots) + 1
        filename = f"{number:02d}-{name.replace(':', '-')}.png"
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{name} scrolls sideways at {size} size"
            page.screenshot(path=OUT / self.language / size / filename, full_page=True)
        page.set_viewport_size(SIZES["desktop"])
        self.shots.append((filename, name, page.title()))


@pytest.fixture
def reachable_helpdesk(settings):
    """The help box as an operator sets it up (README: HELPDESK_PHONE, …), on every screen."""
    settings.HELPDESK_PHONE = "085 123 45 67"
    settings.HELPDESK_EMAIL = "helpdesk@topicus.example"
    settings.HELPDESK_URL = "https://hulp.topicus.example/zorgportaal"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_screenshots(
    language, browser, live_server, transactional_db, open_helpdesk, reachable_helpdesk
):
    camera = Camera(language)
    journeys = Journeys(browser, live_server.url, camera, language=language)
    try:
        journeys.all()
    finally:
        journeys.close()
    write_index(language, camera.shots)
    print(f"\n{len(camera.shots)} screens × {len(SIZES)} sizes in {OUT / language}")


def write_index(language, shots):
    rows = "\n".join(
        f"<tr><th scope='row'>{html.escape(name)}<br><small>{html.escape(title)}</small></th>"
        + "".join(
            f"<td><a href='{language}/{size}/{filename}'><img src='{language}/{size}/{filename}'"
            f" alt='{html.escape(title)} ({size})' loading='lazy'></a></td>"
            for size in SIZES
        )
        + "</tr>"
        for filename, name, title in shots
    )
    (OUT / f"index-{language}.html").write_text(
        f"<!doctype html><html lang='{language}'><meta charset='utf-8'>"
        f"<title>ZorgPortaal screenshots ({language})</title>"
        "<link rel='stylesheet' href='index.css'>"
        f"<table><thead><tr><th>screen</th><th>desktop</th><th>phone</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></html>\n",
        encoding="utf-8",
    )
    (OUT / "index.css").write_text(
        "td img { max-width: 420px; max-height: 420px; border: 1px solid #ccc; }\n"
        "th { text-align: left; vertical-align: top; }\n",
        encoding="utf-8",
    )
