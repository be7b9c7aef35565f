from django.shortcuts import redirect
from django_otp.admin import OTPAdminSite


class ZorgPortaalAdminSite(OTPAdminSite):
    """Only for staff logged in with both factors; no login form of its own.

    The journey gate already sends everyone else away; this is the second lock on the door.
    """

    site_header = "ZorgPortaal beheer"
    site_title = "ZorgPortaal beheer"
    index_title = "Beheer"

    def login(self, request, extra_context=None):
        """Logged in without staff rights: back to the portal; otherwise our own login."""
        return redirect("dashboard" if request.user.is_authenticated else "accounts:login")
