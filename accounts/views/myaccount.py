"""Mijn account: the person's authenticators and password (SPEC 9)."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import devices_for_user

from zorgportaal import audit, emails

from ..forms import ChangePasswordForm


@never_cache
def myaccount(request):
    """Overview: linked authenticators and the way to change the password."""
    devices = list(devices_for_user(request.user, confirmed=True))
    return render(request, "accounts/myaccount.html", {"devices": devices, "tab": "overview"})


@sensitive_post_parameters("old_password", "password1", "password2")
@never_cache
def change_password(request):
    """Other sessions end (their auth hash no longer matches); this one stays logged in."""
    form = ChangePasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        audit.record("password.changed", request=request, subject=user)
        emails.send("password-changed", user.email, {"user": user})
        messages.success(request, _("Uw wachtwoord is gewijzigd."))
        return redirect("accounts:myaccount")
    return render(request, "accounts/change_password.html", {"form": form, "tab": "password"})
