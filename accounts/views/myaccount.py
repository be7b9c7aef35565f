"""Mijn account: the person's authenticators and password (SPEC 9)."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp.models import Device

from tokens import services as token_services
from zorgportaal import audit, emails
from zorgportaal.stepup import fresh_second_factor_in_portal

from .. import login as login_service
from ..forms import ChangePasswordForm, LoginCodeForm
from .login import safe_next


@never_cache
def myaccount(request):
    """Linked authenticators: add one, or remove one while another remains."""
    devices = [d for d in token_services.device_list(user=request.user) if d.confirmed]
    return render(request, "accounts/myaccount.html", {"devices": devices, "tab": "overview"})


@sensitive_post_parameters("code")
@never_cache
def confirm_code(request):
    """Step-up: a current code before authenticators change; an open session is not enough."""
    devices = list(devices_for_user(request.user, confirmed=True))
    form = LoginCodeForm(request.POST or None, devices=devices)
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST" and form.is_valid():
        try:
            login_service.confirm_code(
                request, device=form.cleaned_data["device"], code=form.cleaned_data["code"]
            )
        except login_service.LoginRefused as refused:
            form.add_error("code", refused.message)
        else:
            return redirect(next_url or "accounts:myaccount")
    return render(
        request, "accounts/confirm_code.html", {"form": form, "next": next_url, "tab": "overview"}
    )


@require_POST
@fresh_second_factor_in_portal
def remove_factor(request, persistent_id):
    """Remove an authenticator; never the last one, or the account could not log in."""
    device = Device.from_persistent_id(persistent_id)
    if device is None or device.user_id != request.user.pk or not device.confirmed:
        raise Http404
    if not token_services.device_remove(device, request=request, keep_one=True):
        messages.error(
            request,
            _("Dit is uw enige authenticatiemiddel. Voeg eerst een ander toe."),
        )
        return redirect("accounts:myaccount")
    messages.success(request, _("Het authenticatiemiddel is verwijderd."))
    return redirect("accounts:myaccount")


@sensitive_post_parameters("old_password", "password1", "password2")
@never_cache
def change_password(request):
    """Other sessions end (their auth hash no longer matches); this one stays logged in."""
    form = ChangePasswordForm(request.user, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        audit.record("password.changed", request=request, subject=user)
        emails.send("password-changed", user.email, {"user": user}, language=get_language())
        messages.success(request, _("Uw wachtwoord is gewijzigd."))
        return redirect("accounts:myaccount")
    return render(request, "accounts/change_password.html", {"form": form, "tab": "password"})
