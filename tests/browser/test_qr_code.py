"""The QR code on "App instellen" as Chromium paints it, on a desktop and on a phone.

What the browser shows is read back module by module (the centre of each module in a
screenshot of the code) and compared with the matrix of the person's own otpauth:// URI, so
the code a camera sees is the code of this person's seed; no decoder needed.
"""

import base64
import math

import pytest
from playwright.sync_api import expect

from tests.support import GOOD_PASSWORD
from tokens import qr, services
from tokens.models import AppDevice

pytestmark = pytest.mark.browser

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "device_scale_factor": 2,  # as phones have it: 2 or 3 pixels to a CSS pixel
        "is_mobile": True,
        "has_touch": True,
    },
}
TITLE = "QR-code om uw account toe te voegen aan uw authenticator-app"

# In the page's own browser, not the page: a screenshot around the code decoded by Chromium,
# then the colour at the centre of every module (inside the quiet zone of `border` modules),
# from where the code lies in the screenshot and how many device pixels a CSS pixel has.
READ_MODULES = """async ([png, size, border, box, clip]) => {
  const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0);
  const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const scale = bitmap.width / clip.width;
  const across = (box.width * scale) / (size + 2 * border);
  const down = (box.height * scale) / (size + 2 * border);
  const left = (box.x - clip.x) * scale, top = (box.y - clip.y) * scale;
  const rows = [];
  for (let row = 0; row < size; row++) {
    let line = "";
    for (let col = 0; col < size; col++) {
      const x = Math.floor(left + (col + border + 0.5) * across);
      const y = Math.floor(top + (row + border + 0.5) * down);
      line += pixels[(y * bitmap.width + x) * 4] < 128 ? "1" : "0";
    }
    rows.push(line);
  }
  return { rows, pixelsPerModule: Math.min(across, down) };
}"""


def painted_modules(page, code, size: int) -> dict:
    """The modules of the code as the screen shows them."""
    code.scroll_into_view_if_needed()
    box = code.bounding_box()
    clip = {
        "x": math.floor(box["x"]),
        "y": math.floor(box["y"]),
        "width": math.ceil(box["width"]) + 2,
        "height": math.ceil(box["height"]) + 2,
    }
    png = base64.b64encode(page.screenshot(clip=clip)).decode()
    return page.evaluate(READ_MODULES, [png, size, qr.BORDER, box, clip])


@pytest.mark.parametrize("size", SIZES)
def test_the_painted_qr_code_is_the_persons_own_on_desktop_and_phone(
    browser, live_server, transactional_db, invite, size
):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", **SIZES[size])
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        invitation, link = invite()
        page.goto(link)
        page.get_by_label("Vul een wachtwoord in").fill(GOOD_PASSWORD)
        page.get_by_label("Vul het wachtwoord ter controle nogmaals in").fill(GOOD_PASSWORD)
        page.get_by_role("button", name="Volgende").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Authenticatiemiddel kiezen")
        page.goto("/registreren/app/")

        code = page.get_by_role("img", name=TITLE)
        expect(code).to_be_visible()
        device = AppDevice.objects.get(user__email=invitation.email, confirmed=False)
        modules, matrix = qr.matrix_rows(services.otpauth_uri(device))
        assert abs(code.bounding_box()["width"] - code.bounding_box()["height"]) < 1
        painted = painted_modules(page, code, modules)
        assert painted["pixelsPerModule"] >= 2
        assert painted["rows"] == matrix
    finally:
        context.close()
