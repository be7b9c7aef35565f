"""Mijn account (SPEC 9): the person's authenticators (add, remove, behind a fresh code), the
password, and the Azure CSV upload."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp.models import Device

from accounts.forms import ChangePasswordForm
from accounts.passwords import LoginRefused, password_changed
from tokens import pages
from tokens import services as token_services
from tokens.codes import step_up_confirm
from tokens.forms import OneTimeCodeForm
from tokens.models import AzureCsvImport
from zorgportaal.http import AuthenticatedHttpRequest
from zorgportaal.requests import safe_next
from zorgportaal.stepup import fresh_second_factor_in_portal


@never_cache
def overview(request: AuthenticatedHttpRequest):
    """Linked authenticators: add one, or remove one while another remains."""
    devices = [d for d in token_services.device_list(user=request.user) if d.confirmed]
    return render(request, "myaccount/overview.html", {"devices": devices, "tab": "overview"})


@sensitive_post_parameters("code")
@never_cache
def confirm_code(request: AuthenticatedHttpRequest):
    """Step-up: a current code before authenticators change; an open session is not enough."""
    devices = list(devices_for_user(request.user, confirmed=True))
    form = OneTimeCodeForm(request.POST or None, devices=devices)
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST" and form.is_valid():
        try:
            step_up_confirm(
                request, device=form.cleaned_data["device"], code=form.cleaned_data["code"]
            )
        except LoginRefused as refused:
            form.add_error("code", refused.message)
        else:
            return redirect(next_url or "myaccount:overview")
    return render(
        request, "myaccount/confirm_code.html", {"form": form, "next": next_url, "tab": "overview"}
    )


@require_POST
@fresh_second_factor_in_portal
def remove_factor(request: AuthenticatedHttpRequest, persistent_id: str):
    """Remove an authenticator; never the last one, or the account could not log in."""
    device = Device.from_persistent_id(persistent_id)
    if device is None or device.user_id != request.user.pk or not device.confirmed:
        raise Http404
    if not token_services.device_remove(device, request=request):
        messages.error(
            request,
            _("Dit is uw enige authenticatiemiddel. Voeg eerst een ander toe."),
        )
        return redirect("myaccount:overview")
    messages.success(request, _("Het authenticatiemiddel is verwijderd."))
    return redirect("myaccount:overview")


@sensitive_post_parameters("old_password", "password1", "password2")
@never_cache
def change_password(request):
    """Other sessions end (their auth hash no longer matches); this one stays logged in."""
    form = ChangePasswordForm(request.user, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        password_changed(request, user=user, reset_by_mail=False)
        messages.success(request, _("Uw wachtwoord is gewijzigd."))
        return redirect("myaccount:overview")
    return render(request, "myaccount/change_password.html", {"form": form, "tab": "password"})


# Adding a factor: the pages are the factor's own (tokens.pages), behind a fresh code.


def _added(request, device):
    messages.success(request, _("Het authenticatiemiddel is toegevoegd."))
    return redirect("myaccount:overview")


@fresh_second_factor_in_portal
@sensitive_post_parameters("code")
@never_cache
def add_app(request):
    """ "App toevoegen"."""
    return pages.app_setup_page(request, bound=lambda device: _added(request, device))


@fresh_second_factor_in_portal
@sensitive_post_parameters("code")
@never_cache
def add_token(request):
    """ "Token koppelen"."""
    return pages.token_setup_page(
        request,
        bound=lambda device: _added(request, device),
        source=AzureCsvImport.Source.MYACCOUNT,
    )


@fresh_second_factor_in_portal
@require_POST
@never_cache
def token_upload(request):
    """ "Token uploaden" on the token page."""
    return pages.token_upload_page(
        request, source=AzureCsvImport.Source.MYACCOUNT, link_page="myaccount:add_token"
    )


@never_cache
def csv_upload(request):
    """ "Azure CSV uploaden": import tokens while already having a factor."""
    form = pages.upload_form(
        request, AzureCsvImport.Source.MYACCOUNT, request.POST or None, request.FILES or None
    )
    if request.method == "POST" and form.is_valid():
        pages.report_import(request, form.csv_import)
        return redirect("myaccount:csv")
    return render(request, "myaccount/csv.html", {"form": form, "tab": "csv"})
