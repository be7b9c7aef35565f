"""The pages that bind a factor: "App instellen" and "Token instellen" (manual 2.4).

The same pages serve two flows: registration (`/registreren/`) and Mijn account
(`/mijn-account/`). Each flow's view decides who may open them and what happens once a factor
is bound (`bound`); the templates pick the flow's URLs by the journey's stage.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from . import qr, services
from .forms import AppConfirmForm, AzureCsvUploadForm, TokenLinkForm


@sensitive_variables("uri", "context")
def app_setup_page(request, *, bound):
    """ "App instellen": install an app, scan the QR code, confirm with its first code."""
    device = services.app_device_start(request.user, request=request)
    form = AppConfirmForm(request.POST or None, device=device, request=request)
    if request.method == "POST" and form.is_valid():
        return bound(device)
    uri = services.otpauth_uri(device)
    context = {
        "form": form,
        "qr_svg": qr.qr_svg(uri),
        "otpauth_uri": uri,
        "secret": services.secret_for_typing(device),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "tokens/app_setup.html", context)


def upload_form(request, source: str, data=None, files=None) -> AzureCsvUploadForm:
    """A person's upload: at most AZURE_CSV_USER_MAX_ROWS tokens (manual: 200 lines)."""
    return AzureCsvUploadForm(
        data,
        files,
        user=request.user,
        request=request,
        source=source,
        max_rows=settings.AZURE_CSV_USER_MAX_ROWS,
        max_bytes=settings.AZURE_CSV_USER_MAX_BYTES,
    )


def report_import(request, csv_import) -> None:
    messages.success(request, _("De CSV is succesvol ge-upload, u kunt de token nu koppelen"))
    count = csv_import.token_count
    messages.info(
        request,
        ngettext("Er is %(count)d token toegevoegd.", "Er zijn %(count)d tokens toegevoegd.", count)
        % {"count": count},
    )


def _token_page(request, *, source, link_form=None, upload=None):
    link_form = link_form or TokenLinkForm(user=request.user, request=request)
    context = {
        "form": link_form,
        "upload_form": upload or upload_form(request, source),
        "token_shop_url": settings.TOKEN_SHOP_URL,  # "Token bestellen" (manual 2.4.2)
        "token_shop_text": settings.TOKEN_SHOP_TEXT,
    }
    return render(request, "tokens/token_setup.html", context)


def token_setup_page(request, *, bound, source: str):
    """ "Token instellen": link an inventory token by its serial and the code it shows."""
    form = TokenLinkForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        return bound(form.device)
    return _token_page(request, source=source, link_form=form)


def token_upload_page(request, *, source: str, link_page: str):
    """ "Token uploaden" on the token page: add a newly bought token to the inventory."""
    form = upload_form(request, source, request.POST, request.FILES)
    if form.is_valid():
        report_import(request, form.csv_import)
        return redirect(link_page)
    return _token_page(request, source=source, upload=form)
