"""Setting up the second factor (manual 2.4, 2.5) and the Azure CSV upload of "Mijn account"."""

import django_otp
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from zorgportaal.journey import Stage, stages
from zorgportaal.stepup import fresh_second_factor_in_portal

from . import services
from .forms import AppConfirmForm, AzureCsvUploadForm, TokenLinkForm
from .models import AzureCsvImport


def _second_factor_bound(request, device):
    """Count the code just given as this session's second factor, on a fresh session key.

    In the portal (Mijn account) the session already has its factor: back to the overview.
    """
    if request.journey_stage is Stage.PORTAL:
        messages.success(request, _("Het authenticatiemiddel is toegevoegd."))
        return redirect("accounts:myaccount")
    request.session.cycle_key()  # more rights from here on: no fixated session id may share them
    django_otp.login(request, device)
    return redirect("tokens:done")


@stages(Stage.ENROLMENT, Stage.PORTAL)
@fresh_second_factor_in_portal
@sensitive_post_parameters("code")
@sensitive_variables("uri", "context")
@never_cache
def app_setup(request):
    """ "App instellen": install an app, scan the QR code, confirm with its first code."""
    device = services.app_device_start(request.user, request=request)
    form = AppConfirmForm(request.POST or None, device=device, request=request)
    if request.method == "POST" and form.is_valid():
        return _second_factor_bound(request, device)
    uri = services.otpauth_uri(device)
    context = {
        "form": form,
        "qr_svg": services.qr_svg(uri),
        "otpauth_uri": uri,
        "secret": services.secret_for_typing(device),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "tokens/app_setup.html", context)


def _upload_form(request, source: str, data=None, files=None) -> AzureCsvUploadForm:
    """The end user's upload: at most AZURE_CSV_USER_MAX_ROWS tokens (manual: 200 lines)."""
    return AzureCsvUploadForm(
        data,
        files,
        user=request.user,
        request=request,
        source=source,
        max_rows=settings.AZURE_CSV_USER_MAX_ROWS,
        max_bytes=settings.AZURE_CSV_USER_MAX_BYTES,
    )


def _report_import(request, csv_import: AzureCsvImport) -> None:
    messages.success(request, _("De CSV is succesvol ge-upload, u kunt de token nu koppelen"))
    count = csv_import.token_count
    messages.info(
        request,
        ngettext("Er is %(count)d token toegevoegd.", "Er zijn %(count)d tokens toegevoegd.", count)
        % {"count": count},
    )


def _token_page(request, *, link_form=None, upload_form=None):
    link_form = link_form or TokenLinkForm(user=request.user, request=request)
    upload_form = upload_form or _upload_form(request, AzureCsvImport.Source.REGISTRATION)
    context = {"form": link_form, "upload_form": upload_form}
    return render(request, "tokens/token_setup.html", context)


@stages(Stage.ENROLMENT, Stage.PORTAL)
@fresh_second_factor_in_portal
@sensitive_post_parameters("code")
@never_cache
def token_setup(request):
    """ "Token instellen": link an inventory token by its serial and the code it shows."""
    form = TokenLinkForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        return _second_factor_bound(request, form.device)
    return _token_page(request, link_form=form)


@stages(Stage.ENROLMENT, Stage.PORTAL)
@fresh_second_factor_in_portal
@require_POST
@never_cache
def token_upload(request):
    """ "Token uploaden" on the token page: add a newly bought token to the inventory."""
    form = _upload_form(request, AzureCsvImport.Source.REGISTRATION, request.POST, request.FILES)
    if form.is_valid():
        _report_import(request, form.csv_import)
        return redirect("tokens:token_setup")
    return _token_page(request, upload_form=form)


@stages(Stage.HELPDESK, Stage.PORTAL)
@never_cache
def done(request):
    """ "Account succesvol aangemaakt" (manual 2.5); the portal gate takes it from here."""
    return render(request, "tokens/done.html")


@never_cache
def myaccount_csv(request):
    """ "Azure CSV uploaden" in Mijn account: import tokens while already having a factor."""
    form = _upload_form(
        request, AzureCsvImport.Source.MYACCOUNT, request.POST or None, request.FILES or None
    )
    if request.method == "POST" and form.is_valid():
        _report_import(request, form.csv_import)
        return redirect("tokens:myaccount_csv")
    return render(request, "tokens/myaccount_csv.html", {"form": form, "tab": "csv"})
