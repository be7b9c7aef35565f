from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.journey import Stage, stages


@stages(Stage.ANONYMOUS, Stage.REGISTRATION)
def start(request):
    """The start page: choose "Topicus Zorg Account" to log in."""
    return render(request, "start.html")


@never_cache
def dashboard(request):
    """The portal (manual 2.7), for people through every step of the journey."""
    return render(request, "holding.html", {"title": "ZorgPortaal"})
