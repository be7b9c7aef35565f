"""Signing in (manual 2.8): the start page, e-mail and password, the one-time code, logging
out, and "Wachtwoord vergeten?"."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user

from accounts.forms import ResetPasswordForm
from accounts.password_reset import password_reset_queue
from accounts.passwords import LoginRefused, password_changed
from tokens import passkey_pages, webauthn
from tokens.forms import OneTimeCodeForm
from zorgportaal import sessions
from zorgportaal.journey import (
    ALL_STAGES,
    Stage,
    remember_destination,
    stages,
    take_destination,
)
from zorgportaal.requests import safe_next
from zorgportaal.security import secret_link

from . import services
from .forms import LoginForm, ResetRequestForm


@stages(Stage.ANONYMOUS, Stage.REGISTRATION)
def start(request):
    """The start page: choose "Topicus Zorg Account" to log in."""
    return render(request, "signin/start.html")


@stages(Stage.ANONYMOUS, Stage.REGISTRATION)
@sensitive_post_parameters("password")
@never_cache
def login(request):
    """ "Inloggen op ZorgPortaal"."""
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_login(
                request, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        except LoginRefused as refused:
            form.add_error(None, refused.message)
        else:
            if next_url:
                remember_destination(request, next_url)
            return redirect(_second_step(request.user))
    return _login_page(request, form=form, next_url=next_url)


@stages(Stage.ANONYMOUS, Stage.REGISTRATION)
@require_POST
@sensitive_post_parameters("credential")
@never_cache
def login_passkey(request):
    """ "Inloggen met passkey": a passkey with user verification in place of password and code,
    from the login page's button or the browser's autofill of the e-mail field."""
    passkey_pages.require_enabled()
    next_url = safe_next(request, request.POST.get("next"))
    passkey_form = passkey_pages.PasskeyLoginForm(request.POST)
    device = passkey_pages.answered_key(request, passkey_form, webauthn.passwordless_check)
    if device is None:
        return _login_page(request, form=LoginForm(), next_url=next_url, passkey_form=passkey_form)
    services.passkey_only_login(request, device=device)
    if next_url:
        remember_destination(request, next_url)
    return redirect(safe_next(request, take_destination(request)) or "portal:dashboard")


def _login_page(request, *, form, next_url, passkey_form=None):
    """The login page; with passkeys, a fresh challenge for "Inloggen met passkey"."""
    context = {"form": form, "next": next_url, "passkey_form": passkey_form}
    if webauthn.passkeys_enabled():
        context["passkey_options"] = webauthn.passwordless_options(request)
    return render(request, "signin/login.html", context)


def _second_step(user) -> str:
    """A person with a passkey or security key is asked for it first (no extra redirect)."""
    if webauthn.passkeys_enabled() and webauthn.user_credentials(user).exists():
        return "signin:key"
    return "signin:code"


@stages(Stage.SECOND_FACTOR)
@sensitive_post_parameters("code")
@never_cache
def login_code(request):
    """The one-time code of the app or token; a choice when there are several. A person with
    a passkey or security key is offered that first (unless they asked for the code)."""
    devices = [
        device
        for device in devices_for_user(request.user, confirmed=True)
        if not webauthn.is_webauthn(device)
    ]
    offer_key = webauthn.passkeys_enabled() and (not devices or request.GET.get("met") != "code")
    if offer_key and webauthn.user_credentials(request.user).exists():
        return redirect("signin:key")
    form = OneTimeCodeForm(request.POST or None, devices=devices)
    if request.method == "POST" and form.is_valid():
        try:
            services.code_login(
                request, device=form.cleaned_data["device"], code=form.cleaned_data["code"]
            )
        except LoginRefused as refused:
            form.add_error("code", refused.message)
        else:
            return redirect(safe_next(request, take_destination(request)) or "portal:dashboard")
    return render(request, "signin/login_code.html", {"form": form})


@stages(Stage.SECOND_FACTOR)
@sensitive_post_parameters("credential")
@never_cache
def login_key(request):
    """ "Inloggen met uw beveiligingssleutel": the second step with a passkey or key."""

    def has_codes() -> bool:
        return any(
            not webauthn.is_webauthn(device)
            for device in devices_for_user(request.user, confirmed=True)
        )

    def accepted(device):
        services.passkey_login(request, device=device)
        return redirect(safe_next(request, take_destination(request)) or "portal:dashboard")

    return passkey_pages.passkey_login_page(request, accepted=accepted, other_factors=has_codes)


@stages(*ALL_STAGES)
@require_POST
def logout(request):
    """End the session on the server, whatever stage it was in."""
    sessions.session_end(request)
    messages.success(request, _("U bent uitgelogd."))
    return redirect("signin:login")


@stages(*ALL_STAGES)
def no_account(request):
    """ "Geen account?": accounts come through one's organisation."""
    return render(request, "signin/no_account.html")


# "Wachtwoord vergeten?"


class ResetRequestView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "signin/password_reset_form.html"
    success_url = reverse_lazy("signin:password_reset_done")

    def form_valid(self, form):
        """Queue the mail (the worker sends it); the same page whether or not one was queued."""
        password_reset_queue(
            email=form.cleaned_data["email"], language=get_language(), request=self.request
        )
        # Skip PasswordResetView.form_valid, which would send Django's own mail in the request.
        return super(auth_views.PasswordResetView, self).form_valid(form)


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view keeps the token in the session and redirects to a URL without it."""

    form_class = ResetPasswordForm
    template_name = "signin/password_reset_confirm.html"
    success_url = reverse_lazy("signin:login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed(self.request, user=form.user, reset_by_mail=True)
        messages.success(
            self.request,
            _("Uw wachtwoord is gewijzigd. Log in met uw nieuwe wachtwoord en uw code."),
        )
        return response


reset_request = stages(Stage.ANONYMOUS, Stage.REGISTRATION)(ResetRequestView.as_view())
reset_done = stages(Stage.ANONYMOUS, Stage.REGISTRATION)(
    auth_views.PasswordResetDoneView.as_view(template_name="signin/password_reset_done.html")
)
reset_confirm = stages(Stage.ANONYMOUS, Stage.REGISTRATION)(
    secret_link("reset")(ResetConfirmView.as_view())
)
