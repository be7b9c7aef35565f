"""The privacy statement (open to everyone) and a person's own data."""

from django.conf import settings
from django.shortcuts import render

from zorgportaal.journey import ALL_STAGES, stages

from .register import Ground, entries_by_topic


@stages(*ALL_STAGES)
def statement(request):
    """ "Privacy": what we keep about a person, why, on what ground, how long, who reads it;
    written from the register (privacy/register.py), so it cannot drift from the code."""
    context = {
        "topics": entries_by_topic(),
        "grounds": list(Ground),
        "privacy_email": settings.PRIVACY_EMAIL,
        "privacy_contact_name": settings.PRIVACY_CONTACT_NAME,
    }
    return render(request, "privacy/statement.html", context)
