"""What every page says about this installation: its name, how to reach the helpdesk, its icon.

The operator sets them (README, "Configuration"): SITE_NAME ("ZorgPortaal Acceptatie" on the
acceptance environment, as in the manual), HELPDESK_PHONE, HELPDESK_EMAIL and HELPDESK_URL.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static

from zorgportaal.journey import ALL_STAGES, stages

# Dutch area codes of two digits after the 0 (020, 085, …); other fixed lines have three (0544).
TWO_DIGIT_AREAS = frozenset(
    {"10", "13", "15", "20", "23", "24", "26", "30", "33", "35", "36", "38", "40", "43", "45"}
    | {"46", "50", "53", "55", "58", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79"}
    | {"85", "87", "88", "91", "97"}  # the national numbers 085, 087, 088, 091, 097
)


@dataclass(frozen=True)
class HelpdeskContact:
    """How a person reaches the helpdesk; every part may be empty."""

    phone: str = ""  # as people read it: "085 123 4567"
    phone_uri: str = ""  # the tel: link, one number without spaces: "tel:+31851234567"
    email: str = ""
    url: str = ""

    def __bool__(self) -> bool:
        return bool(self.phone or self.email or self.url)


def phone_uri(number: str) -> str:
    """The tel: URI (RFC 3966) of a number: international, digits only.

    A number without a country code is Dutch (0…), as the helpdesk's audience is.
    """
    digits = re.sub(r"\D", "", number.replace("(0)", ""))  # +31 (0)85…: the 0 is not dialled
    if number.strip().startswith("+"):
        return f"tel:+{digits}"
    if digits.startswith("00"):
        return f"tel:+{digits[2:]}"
    if digits.startswith("0"):
        return f"tel:+31{digits[1:]}"
    return f"tel:{digits}"  # a short service number (112, 14 020): as it is


def phone_for_reading(number: str) -> str:
    """The number grouped as people read it aloud.

    As the operator wrote it when it has spaces or dashes; a Dutch number written as one run of
    digits is grouped the Dutch way (020 123 4567, 06 1234 5678, 0800 1234, 0544 123 456).
    """
    written = " ".join(number.split())
    if re.search(r"[ ()./-]", written):
        return written
    uri = phone_uri(written)
    if not uri.startswith("tel:+31"):
        return written
    national = uri.removeprefix("tel:+31")
    service, rest = national[:3], national[3:]
    if service in ("800", "900", "906", "909") and len(rest) in (4, 7):
        return f"0{service} {rest}" if len(rest) == 4 else f"0{service} {rest[:3]} {rest[3:]}"
    if len(national) != 9:
        return written
    if national.startswith("6"):
        return f"06 {national[1:5]} {national[5:]}"
    if national[:2] in TWO_DIGIT_AREAS:
        return f"0{national[:2]} {national[2:5]} {national[5:]}"
    return f"0{national[:3]} {national[3:6]} {national[6:]}"


@lru_cache(maxsize=8)
def _contact(phone: str, email: str, url: str) -> HelpdeskContact:
    return HelpdeskContact(
        phone=phone_for_reading(phone) if phone else "",
        phone_uri=phone_uri(phone) if phone else "",
        email=email,
        url=url,
    )


def helpdesk_contact() -> HelpdeskContact:
    return _contact(settings.HELPDESK_PHONE, settings.HELPDESK_EMAIL, settings.HELPDESK_URL)


def site(request) -> dict:
    """Context processor: `site_name` and `helpdesk_contact` on every page."""
    return {"site_name": settings.SITE_NAME, "helpdesk_contact": helpdesk_contact()}


@stages(*ALL_STAGES)
def favicon(request):
    """/favicon.ico, which browsers ask for on their own: our SVG icon instead of a 404."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
