from django.shortcuts import render
from django.views.decorators.cache import never_cache

from zorgportaal.journey import Stage, stages

from .models import Service


@stages(Stage.ANONYMOUS, Stage.REGISTRATION)
def start(request):
    """The start page: choose "Topicus Zorg Account" to log in."""
    return render(request, "start.html")


@never_cache
def dashboard(request):
    """The portal (manual 2.7), for people through every step of the journey."""
    user = request.user
    context = {
        "services": Service.objects.visible_to(user),
        "role": user.role.name if user.role_id else "",
    }
    return render(request, "zorgportaal/dashboard.html", context)


@never_cache
def notifications(request):
    return render(request, "zorgportaal/notifications.html")


@never_cache
def documentation(request):
    return render(request, "zorgportaal/documentation.html")
