"""Mijn account (SPEC 9): the person's authenticators (add, remove, behind a fresh code or
key), the password, the Azure CSV upload, and the sessions and services signed in to."""

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user
from django_otp.models import Device

from accounts.forms import ChangePasswordForm
from accounts.passwords import LoginRefused, password_changed
from sso import access as sso_access
from sso.models import Consent
from tokens import pages, passkey_pages, webauthn
from tokens import services as token_services
from tokens.codes import step_up_confirm, step_up_key_confirm
from tokens.forms import OneTimeCodeForm
from tokens.models import AzureCsvImport
from zorgportaal import audit, sessions
from zorgportaal.browsers import browser_name
from zorgportaal.http import AuthenticatedHttpRequest
from zorgportaal.journey import remember_destination
from zorgportaal.models import LoginSession
from zorgportaal.requests import safe_next
from zorgportaal.stepup import fresh_second_factor_in_portal

from .forms import DeviceNameForm

KEY_KIND = gettext_lazy("Beveiligingssleutel of passkey")


def _kind(device) -> str:
    """The kind a person reads: a key's in Dutch, not the library's "WebAuthn credential"."""
    return str(KEY_KIND) if webauthn.is_webauthn(device) else str(device._meta.verbose_name)


@never_cache
def overview(request: AuthenticatedHttpRequest):
    """Linked authenticators: add, name, or remove one while another remains."""
    devices = [d for d in token_services.device_list(user=request.user) if d.confirmed]
    keys = {key.persistent_id for key in webauthn.user_credentials(request.user)}
    devices = [replace(d, kind=str(KEY_KIND)) if d.persistent_id in keys else d for d in devices]
    current = getattr(request.user, "otp_device", None)
    context = {
        "devices": devices,
        "passkeys": webauthn.passkeys_allowed(request.user),
        "current_device": current.persistent_id if current else None,
        "tab": "overview",
    }
    return render(request, "myaccount/overview.html", context)


@sensitive_post_parameters("code", "credential")
@never_cache
def confirm_code(request: AuthenticatedHttpRequest):
    """Step-up: a current code, or the person's passkey or security key (issue 16), before
    authenticators change; an open session is not enough. A key-only person gets the key."""
    devices = list(devices_for_user(request.user, confirmed=True))
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    with_key = request.method == "POST" and "credential" in request.POST
    form = OneTimeCodeForm(None if with_key else request.POST or None, devices=devices)
    has_keys = webauthn.passkeys_enabled() and any(webauthn.is_webauthn(d) for d in devices)
    key_form = passkey_pages.PasskeyLoginForm(request.POST if with_key and has_keys else None)
    if with_key and has_keys:
        if passkey_pages.answered_key(request, key_form, step_up_key_confirm) is not None:
            return redirect(next_url or "myaccount:overview")
    elif not with_key and request.method == "POST" and form.is_valid():
        try:
            step_up_confirm(
                request, device=form.cleaned_data["device"], code=form.cleaned_data["code"]
            )
        except LoginRefused as refused:
            form.add_error("code", refused.message)
        else:
            return redirect(next_url or "myaccount:overview")
    context = {
        "form": form,
        "has_codes": bool(form.devices),
        "key_form": key_form if has_keys else None,
        "options": webauthn.authentication_options(request) if has_keys else None,
        "next": next_url,
        "tab": "overview",
    }
    return render(request, "myaccount/confirm_code.html", context)


def _own_device(request: AuthenticatedHttpRequest, persistent_id: str) -> Device:
    """One of the person's own confirmed authenticators, or 404 (never someone else's)."""
    device = Device.from_persistent_id(persistent_id)
    if device is None or device.user_id != request.user.pk or not device.confirmed:
        raise Http404
    return device


def _used_for_this_login(request: AuthenticatedHttpRequest, device: Device) -> bool:
    current = getattr(request.user, "otp_device", None)
    return current is not None and current.persistent_id == device.persistent_id


@require_http_methods(["GET", "POST"])
@fresh_second_factor_in_portal
@never_cache
def remove_factor(request: AuthenticatedHttpRequest, persistent_id: str):
    """ "Verwijderen": a page that asks to confirm and says what happens next; then remove,
    never the last one (the account could not log in)."""
    device = _own_device(request, persistent_id)
    this_login = _used_for_this_login(request, device)
    others = [
        other
        for other in devices_for_user(request.user, confirmed=True)
        if other.persistent_id != device.persistent_id
    ]
    keys_left_only = (
        webauthn.passkeys_enabled()
        and bool(others)
        and all(webauthn.is_webauthn(other) for other in others)
    )
    if request.method == "POST":
        return _remove(request, device, this_login=this_login, with_key=keys_left_only)
    context = {
        "device": device,
        "kind": _kind(device),
        "others": others,
        "keys_left_only": keys_left_only,
        "passkeys": webauthn.passkeys_allowed(request.user),
        "this_login": this_login,
        "tab": "overview",
    }
    return render(request, "myaccount/remove_factor.html", context)


def _remove(request: AuthenticatedHttpRequest, device: Device, *, this_login: bool, with_key: bool):
    if not token_services.device_remove(device, request=request):
        messages.error(request, _("Dit is uw enige authenticatiemiddel. Voeg eerst een ander toe."))
        return redirect("myaccount:overview")
    if not this_login:
        messages.success(request, _("Het authenticatiemiddel is verwijderd."))
        return redirect("myaccount:overview")
    # This session's second factor is gone: the gate asks for a code of another one, and
    # Mijn account opens again once it is given.
    remember_destination(request, reverse("myaccount:overview"))
    if with_key:  # only keys are left: the login's key step asks for one (issue 16)
        messages.success(
            request,
            _(
                "Het authenticatiemiddel is verwijderd. U logt nu opnieuw in met uw "
                "beveiligingssleutel of passkey."
            ),
        )
        return redirect("signin:key")
    messages.success(
        request,
        _(
            "Het authenticatiemiddel is verwijderd. U logt nu opnieuw in met uw andere "
            "authenticatiemiddel: vul de code in die het laat zien."
        ),
    )
    return redirect("signin:code")


@never_cache
def rename_factor(request: AuthenticatedHttpRequest, persistent_id: str):
    """ "Naam wijzigen": the name the person knows a device by; also right after adding one."""
    device = _own_device(request, persistent_id)
    form = DeviceNameForm(request.POST or None, initial={"name": device.name})
    if request.method == "POST" and form.is_valid():
        try:
            token_services.device_rename(device, name=form.cleaned_data["name"], request=request)
        except token_services.DeviceNameError as error:
            form.refuse(error)
        else:
            messages.success(request, _("De naam is opgeslagen."))
            return redirect("myaccount:overview")
    context = {"form": form, "device": device, "added": "nieuw" in request.GET, "tab": "overview"}
    return render(request, "myaccount/rename_factor.html", context)


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
    """Added: give it a name one recognises, now or later ("Niet nu")."""
    messages.success(request, _("Het authenticatiemiddel is toegevoegd."))
    url = reverse("myaccount:rename_factor", args=[device.persistent_id])
    return redirect(f"{url}?nieuw")


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
@sensitive_post_parameters("credential")
@never_cache
def add_key(request):
    """ "Sleutel of passkey toevoegen" (issue 16, only with PASSKEYS_ENABLED): named on its
    page, so back to Mijn account with a message (registration audits it)."""

    def added(device):
        messages.success(
            request,
            _("Uw beveiligingssleutel of passkey “%(name)s” is toegevoegd.")
            % {"name": device.name},
        )
        return redirect("myaccount:overview")

    return passkey_pages.passkey_setup_page(request, bound=added)


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


# Sessions (ASVS 7.5.2): see every login and the services it reached, end any or all others.


@never_cache
def login_sessions(request: AuthenticatedHttpRequest):
    """ "Sessies": where the person is logged in, and which services they allowed."""
    current = request.session.get(sessions.LOGIN_ID_KEY)
    services = sso_access.services_by_login(request.user)
    rows = [
        {
            "record": record,
            "browser": browser_name(record.user_agent),
            "current": record.login_id == current,
            "services": services.get(record.login_id, []),
        }
        for record in request.user.login_sessions.live().order_by("-last_seen_at")
    ]
    context = {"rows": rows, "consents": sso_access.consents_of(request.user), "tab": "sessions"}
    return render(request, "myaccount/sessions.html", context)


@require_POST
def login_session_end(request: AuthenticatedHttpRequest, pk: int):
    """End one other session; this one ends with "Uitloggen"."""
    record = get_object_or_404(request.user.login_sessions.live(), pk=pk)
    if record.login_id == request.session.get(sessions.LOGIN_ID_KEY):
        return redirect("myaccount:sessions")
    _end(request, [record])
    messages.success(request, _("De sessie is beëindigd."))
    return redirect("myaccount:sessions")


@require_POST
def login_sessions_end_others(request: AuthenticatedHttpRequest):
    """Every session but this one: a lost phone, a shared computer."""
    others = request.user.login_sessions.live().exclude(
        login_id=request.session.get(sessions.LOGIN_ID_KEY)
    )
    _end(request, list(others))
    messages.success(request, _("Al uw andere sessies zijn beëindigd."))
    return redirect("myaccount:sessions")


def _end(request, records: list[LoginSession]) -> None:
    for record in records:
        sessions.login_session_end(record, reason="ended_by_person")
        audit.record(
            "session.ended",
            request=request,
            subject=request.user,
            by="person",
            started_at=record.started_at.isoformat(),
        )


@require_POST
def consent_revoke(request: AuthenticatedHttpRequest, pk: int):
    """Withdraw what a service was allowed: it asks again, and its tokens stop working."""
    consent = get_object_or_404(Consent.objects.filter(user=request.user), pk=pk)
    sso_access.consent_revoke(consent, request=request)
    messages.success(request, _("Uw toestemming is ingetrokken."))
    return redirect("myaccount:sessions")
