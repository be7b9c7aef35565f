"""Registration (manual 2.1 to 2.5): the invitation link, the password, the choice of factor,
binding an app or a token, and "Account succesvol aangemaakt"."""

from django.contrib import auth
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import invitations
from accounts.backends import ACCOUNT_BACKEND
from accounts.forms import SetPasswordForm
from accounts.models import Invitation, hash_token
from tokens import enrolment, pages, passkey_pages, webauthn
from tokens.models import AzureCsvImport
from zorgportaal.journey import (
    ALL_STAGES,
    REGISTRATION_SESSION_KEY,
    Stage,
    registered_in_this_session,
    stages,
)
from zorgportaal.security import secret_link
from zorgportaal.sessions import second_factor_given

PROBLEM_STATUS = {"invalid": 404, "expired": 410, "used": 410, "revoked": 410}


def _problem_page(request, problem: invitations.InvitationProblem):
    """Say which of invalid, expired, used or revoked a link is, and what to do."""
    return render(
        request,
        "registration/invitation_problem.html",
        {"reason": problem.reason},
        status=PROBLEM_STATUS[problem.reason],
    )


@stages(*ALL_STAGES)
@secret_link("invitation")
@never_cache
def invitation_link(request, token):
    """Check the link, keep it in the session, and continue on a URL without the token.

    Like PasswordResetConfirmView: the token must not leak through the Referer header or
    browser history. Opening does not use the invitation up; only choosing a password does.
    """
    try:
        invitation = invitations.invitation_open(token, request=request)
    except invitations.InvitationProblem as problem:
        return _problem_page(request, problem)
    if request.user.is_authenticated:
        auth.logout(request)
    request.session.cycle_key()
    request.session[REGISTRATION_SESSION_KEY] = {
        "invitation": invitation.pk,
        "token_hash": hash_token(token),
    }
    return redirect("registration:password")


def _names(person) -> dict[str, str]:
    return {"first_name": person.first_name, "last_name": person.last_name}


@stages(Stage.REGISTRATION, Stage.ENROLMENT)
@sensitive_post_parameters("password1", "password2")
@never_cache
def register_password(request):
    """Step 1 of 4: "Account voor Topicus Zorgportaal instellen".

    The names the invitation gives are shown, not asked (a tampered field cannot change them);
    the person types only the ones it lacks.
    """
    if request.user.is_authenticated:
        if not registered_in_this_session(request):
            return redirect("registration:choose_factor")
        return _password_again(request)
    state = request.session[REGISTRATION_SESSION_KEY]
    try:
        invitation = invitations.invitation_check(state["token_hash"])
    except invitations.InvitationProblem as problem:
        del request.session[REGISTRATION_SESSION_KEY]
        return _problem_page(request, problem)
    form = SetPasswordForm(request.POST or None, email=invitation.email, names=_names(invitation))
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.invitation_accept(
                token_hash=state["token_hash"],
                password=form.cleaned_data["password1"],
                request=request,
                **form.names(),
            )
        except invitations.InvitationProblem as problem:
            del request.session[REGISTRATION_SESSION_KEY]
            return _problem_page(request, problem)
        auth.login(request, user, backend=ACCOUNT_BACKEND)
        request.session[REGISTRATION_SESSION_KEY] = {**state, "user": user.pk}
        return redirect("registration:choose_factor")
    return _password_page(request, form)


def _password_again(request):
    """ "Begin opnieuw": a new password, and the names the person typed may be typed again."""
    user = request.user
    invitation = Invitation.objects.filter(user=user).first()
    form = SetPasswordForm(
        request.POST or None,
        email=user.email,
        names=_names(invitation) if invitation else {"first_name": "", "last_name": ""},
        initial=_names(user),
    )
    if request.method == "POST" and form.is_valid():
        invitations.registration_password_change(
            user, password=form.cleaned_data["password1"], request=request, **form.names()
        )
        auth.update_session_auth_hash(request, user)
        return redirect("registration:choose_factor")
    return _password_page(request, form)


def _password_page(request, form):
    return render(request, "registration/password.html", {"form": form, "email": form.email})


@stages(Stage.ENROLMENT)
@never_cache
def choose_factor(request):
    """Step 2 of 4: "Authenticatiemiddel kiezen"."""
    return render(
        request,
        "registration/choose_factor.html",
        {
            "can_restart_registration": registered_in_this_session(request),
            "passkeys_enabled": webauthn.passkeys_allowed(request.user),
        },
    )


@stages(Stage.ENROLMENT)
@require_POST
def restart(request):
    """ "Begin opnieuw": drop any half-made factor and go back to the start of the flow."""
    enrolment.discard_unfinished(request.user)
    if registered_in_this_session(request):
        return redirect("registration:password")
    return redirect("registration:choose_factor")


# Binding the factor (manual 2.4): the pages are the factor's own (tokens.pages).


def _bound(request, device):
    """Count the code just given as this session's second factor, then "Account aangemaakt"."""
    second_factor_given(request, device, methods=webauthn.login_methods(device, password=True))
    return redirect("registration:done")


@stages(Stage.ENROLMENT)
@sensitive_post_parameters("code")
@never_cache
def app_setup(request):
    """ "App instellen"."""
    return pages.app_setup_page(request, bound=lambda device: _bound(request, device))


@stages(Stage.ENROLMENT)
@sensitive_post_parameters("code")
@never_cache
def token_setup(request):
    """ "Token instellen"."""
    return pages.token_setup_page(
        request,
        bound=lambda device: _bound(request, device),
        source=AzureCsvImport.Source.REGISTRATION,
    )


@stages(Stage.ENROLMENT)
@sensitive_post_parameters("credential")
@never_cache
def passkey_setup(request):
    """ "Beveiligingssleutel instellen" (issue 16; only with PASSKEYS_ENABLED)."""
    return passkey_pages.passkey_setup_page(request, bound=lambda device: _bound(request, device))


@stages(Stage.ENROLMENT)
@require_POST
@never_cache
def token_upload(request):
    """ "Token uploaden" on the token page."""
    return pages.token_upload_page(
        request, source=AzureCsvImport.Source.REGISTRATION, link_page="registration:token"
    )


@stages(Stage.HELPDESK, Stage.PORTAL)
@never_cache
def done(request):
    """ "Account succesvol aangemaakt" (manual 2.5); the portal gate takes it from here."""
    return render(request, "registration/done.html")
