"""The privacy statement (open to everyone) and a person's own data."""

from django.shortcuts import render

from zorgportaal.journey import ALL_STAGES, stages


@stages(*ALL_STAGES)
def statement(request):
    """ "Privacy": what we keep about a person, why, on what ground, how long, who reads it."""
    return render(request, "privacy/statement.html")
