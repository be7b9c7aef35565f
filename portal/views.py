"""The portal (manual 2.7): "Diensten", the "Gebruiker" card, notifications, documentation."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from portal.models import Service
from portal.notifications import LIMIT, notifications_read
from zorgportaal import helpdesk_hours
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
def notifications(request: AuthenticatedHttpRequest):
    """ "Notificaties": the person's own security activity, newest first; now all seen."""
    items = notifications_read(request)
    context = {
        "notifications": items,
        "any_new": any(item.new for item in items),
        "limit": LIMIT,
        "new_notifications": 0,  # just seen: the top bar need not count them again
    }
    return render(request, "portal/notifications.html", context)


@never_cache
def documentation(request: AuthenticatedHttpRequest):
    """ "Documentatie": the help the pages give, in one place, with the opening hours."""
    return render(
        request, "portal/documentation.html", {"hours_sentence": helpdesk_hours.describe()}
    )
