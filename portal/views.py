"""The portal (manual 2.7): "Diensten", the "Gebruiker" card, notifications, documentation."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from portal.models import Service
from zorgportaal.http import AuthenticatedHttpRequest


@never_cache
def dashboard(request: AuthenticatedHttpRequest):
    """The portal (manual 2.7), for people through every step of the journey."""
    user = request.user
    context = {
        "services": Service.objects.visible_to(user),
        "role": user.role.name if user.role_id else "",
    }
    return render(request, "portal/dashboard.html", context)


@never_cache
def notifications(request):
    return render(request, "portal/notifications.html")


@never_cache
def documentation(request):
    return render(request, "portal/documentation.html")
