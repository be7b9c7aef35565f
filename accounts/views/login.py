"""Logging in (manual 2.8): e-mail and password, then the one-time code."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user

from zorgportaal import sessions
from zorgportaal.journey import ALL_STAGES, Stage, stages

from .. import login as login_service
from ..forms import LoginCodeForm, LoginForm

NEXT_KEY = "login_next"


def safe_next(request, url: str | None) -> str | None:
    """Only our own site: refuses //evil.example, https:evil.example, /\\evil.example."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


@stages(Stage.ANONYMOUS, Stage.REGISTRATION)
@sensitive_post_parameters("password")
@never_cache
def login(request):
    """ "Inloggen op ZorgPortaal"."""
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            login_service.password_login(
                request, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        except login_service.LoginRefused as refused:
            form.add_error(None, refused.message)
        else:
            if next_url:
                request.session[NEXT_KEY] = next_url
            return redirect("accounts:login_code")
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@stages(Stage.SECOND_FACTOR)
@sensitive_post_parameters("code")
@never_cache
def login_code(request):
    """The one-time code of the app or token; a choice when there are several."""
    devices = list(devices_for_user(request.user, confirmed=True))
    form = LoginCodeForm(request.POST or None, devices=devices)
    if request.method == "POST" and form.is_valid():
        try:
            login_service.code_login(
                request, device=form.cleaned_data["device"], code=form.cleaned_data["code"]
            )
        except login_service.LoginRefused as refused:
            form.add_error("code", refused.message)
        else:
            return redirect(safe_next(request, request.session.pop(NEXT_KEY, None)) or "dashboard")
    return render(request, "accounts/login_code.html", {"form": form})


@stages(*ALL_STAGES)
@require_POST
def logout(request):
    """End the session on the server, whatever stage it was in."""
    sessions.session_end(request)
    messages.success(request, _("U bent uitgelogd."))
    return redirect("accounts:login")


@stages(*ALL_STAGES)
def no_account(request):
    """ "Geen account?": accounts come through one's organisation."""
    return render(request, "accounts/no_account.html")
