"""The OpenID Connect endpoints. django-oauth-toolkit speaks the protocol; these views add what
ZorgPortaal promises: only a person at the end of the journey (two factors, checked by the
helpdesk) gets a code, and only for a service their organisation and role may use."""

import hashlib
import json
import time
from functools import wraps
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist
from django.dispatch import receiver
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from oauth2_provider import views as oauth_views
from oauth2_provider.exceptions import LogoutDenied, OAuthToolkitError
from oauth2_provider.models import AccessToken, RefreshToken
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.signals import app_authorized
from oauthlib.common import Request as OauthlibRequest
from oauthlib.oauth2.rfc6749 import errors as oauth_errors
from oauthlib.openid.connect.core import exceptions as oidc_errors

from tokens import passkey_pages, webauthn
from tokens.codes import key_proven
from zorgportaal import audit, sessions, throttle
from zorgportaal.journey import ALL_STAGES, STAGE_HOME, Stage, remember_destination, stages
from zorgportaal.requests import client_ip, safe_next

from . import access, assurance
from .claims import subject_for
from .models import Consent, SignIn
from .validators import CLAIM_SCOPES, code_hash

RELOGIN_PARAMETERS = ("prompt", "max_age")


@method_decorator(never_cache, name="dispatch")
class AuthorizeView(oauth_views.AuthorizationView):
    """The authorization endpoint (OpenID Connect Core 3.1.2), open at every stage of the
    journey so that it can answer `prompt=none` and send anyone else on to finish first."""

    template_name = "sso/authorize.html"

    def get(self, request, *args, **kwargs):
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        application = self._application(credentials["client_id"])
        prompt = set(request.GET.get("prompt", "").split())
        if request.journey_stage is not Stage.PORTAL:
            if "none" in prompt:
                return self._error(oidc_errors.LoginRequired, credentials, application)
            remember_destination(request, request.get_full_path())
            return redirect(STAGE_HOME[request.journey_stage])
        if not access.service_allowed(request.user, application):
            if "none" in prompt:
                return self._error(oauth_errors.AccessDeniedError, credentials, application)
            return self._refused_service(credentials, application)
        if "login" in prompt or login_too_old(request):
            if "none" in prompt:
                return self._error(oidc_errors.LoginRequired, credentials, application)
            return self._log_in_again(request)
        login = sessions.current_login(request)
        if assurance.step_up_needed(assurance.requested(request), login.methods, request.user):
            if "none" in prompt:
                return self._error(oidc_errors.LoginRequired, credentials, application)
            return self._step_up(request, credentials, application)
        if not access.consent_needed(request.user, application, scopes):
            return self._issue_code(request, application, scopes, credentials)
        if "none" in prompt:
            return self._error(oidc_errors.ConsentRequired, credentials, application)
        return super().get(request, *args, **kwargs)  # the consent page

    def post(self, request, *args, **kwargs):
        """The consent page's answer; the person must still be at the end of the journey."""
        if request.journey_stage is not Stage.PORTAL:
            return HttpResponseForbidden()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        application = self._application(form.cleaned_data["client_id"])
        user = self.request.user
        if not access.service_allowed(user, application):
            return self._refused_service(form.cleaned_data, application)
        if form.cleaned_data.get("allow"):
            Consent.remember(user, application, form.cleaned_data["scope"].split())
            self._record("sso.consent_given", application, scopes=form.cleaned_data["scope"])
        else:
            self._record("sso.consent_refused", application, success=False)
        return super().form_valid(form)

    def create_authorization_response(self, request, scopes, credentials, allow):
        """Every code carries the login it came from (sso.validators); the client looked up
        for this request is the library's too, so it need not look it up again."""
        if allow:
            credentials["client"] = self._application(credentials["client_id"])
            credentials["sign_in_login"] = login = sessions.current_login(request)
            credentials["sign_in_methods"] = list(login.methods)
            credentials["sign_in_acr"] = assurance.acr_for(
                assurance.requested(request), login.methods, request.user
            )
        response = super().create_authorization_response(request, scopes, credentials, allow)
        if allow:
            application = self._application(credentials["client_id"])
            self._record("sso.authorized", application, scopes=scopes)
        return response

    def _application(self, client_id: str):
        """The client with its service, looked up once per request (every code needs it twice)."""
        known = getattr(self, "_client", None)
        if known is None or known.client_id != client_id:
            self._client = known = access.application(client_id)
        return known

    def error_response(self, error, application, **kwargs):
        """Every error sent back to a service names us as its issuer (RFC 9207)."""
        response = super().error_response(error, application, **kwargs)
        if response.status_code == 302:
            response["Location"] = with_issuer(response["Location"])
        return response

    def handle_no_permission(self):
        """Not logged in: `prompt=none` is answered by django-oauth-toolkit (login_required);
        anyone else logs in and comes back without the parameters that asked for a login."""
        if "none" in self.request.GET.get("prompt", "").split():
            response = super().handle_no_permission()
            if response.status_code == 302:
                response["Location"] = with_issuer(response["Location"])
            return response
        return redirect_to_login(without_relogin(self.request), self.get_login_url())

    def _log_in_again(self, request):
        """`prompt=login` or a too old login: a fresh login, then back here."""
        audit.record("sso.login_again_required", request=request, subject=request.user)
        sessions.session_end(request)
        return redirect_to_login(without_relogin(request), self.get_login_url())

    def _step_up(self, request, credentials, application):
        """The service asks for a key and this login used a code: the person proves their key
        now (`key_step_up`) and comes back here; without a key, a page that says so."""
        self._record("sso.step_up_required", application, success=False)
        if webauthn.passkeys_enabled() and webauthn.user_credentials(request.user).exists():
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('oauth2_provider:key-step-up')}?{query}")
        error = UnmetAuthenticationRequirements(state=credentials.get("state"))
        return self.render_to_response(
            {
                "key_needed": application.service,
                "may_add_key": webauthn.passkeys_allowed(request.user),
                "back_to_service": back_with_error(credentials["redirect_uri"], error),
            },
            status=403,
        )

    def _issue_code(self, request, application, scopes, credentials):
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
            )
        except OAuthToolkitError as error:
            return self.error_response(error, application)
        return self.redirect(uri, application)

    def _error(self, error_class, credentials, application):
        """An error for the service, at its redirect URI."""
        error = OAuthToolkitError(
            error=error_class(state=credentials.get("state")),
            redirect_uri=credentials["redirect_uri"],
        )
        return self.error_response(error, application)

    def _refused_service(self, credentials, application):
        """A clear page for the person; the service's own `access_denied` behind its button."""
        self._record("sso.access_denied", application, success=False)
        error = oauth_errors.AccessDeniedError(state=credentials.get("state"))
        back = back_with_error(credentials["redirect_uri"], error)
        return self.render_to_response(
            {"refused_service": application.service, "back_to_service": back}, status=403
        )

    def _record(self, event, application, *, success=True, **details):
        audit.record(
            event,
            request=self.request,
            subject=self.request.user,
            success=success,
            service=application.service.name,
            client_id=application.client_id,
            **details,
        )


class UnmetAuthenticationRequirements(oauth_errors.OAuth2Error):
    """OpenID Connect Unmet Authentication Requirements 1.0: the `acr_values` a service asked
    for cannot be met (this person has no key)."""

    error = "unmet_authentication_requirements"


def back_with_error(redirect_uri: str, error) -> str:
    """The service's redirect URI (validated by the library) with an error and our issuer."""
    separator = "&" if "?" in redirect_uri else "?"
    return with_issuer(redirect_uri + separator + error.urlencoded)


@sensitive_post_parameters("credential")
@never_cache
def key_step_up(request):
    """ "Bevestig met uw beveiligingssleutel": a service asked for a key (`acr_values`) and this
    login used a code. Proven here, the login names the key too (`amr`, hence `acr`) and the
    authorization it came from goes on; nowhere else can it lead."""
    next_url = request.GET.get("next", "")
    if urlsplit(next_url).path != reverse("oauth2_provider:authorize") or not safe_next(
        request, next_url
    ):
        return redirect("portal:dashboard")

    def accepted(device):
        key_proven(request, device)
        return redirect(next_url)

    return passkey_pages.passkey_login_page(
        request,
        accepted=accepted,
        other_factors=lambda: False,
        template="sso/key_step_up.html",
        context={"service": service_asking(next_url)},
    )


def service_asking(authorize_url: str):
    """The service of the authorization request in this URL, if it names a known client."""
    client_id = dict(parse_qsl(urlsplit(authorize_url).query)).get("client_id", "")
    try:
        return access.application(client_id).service
    except ObjectDoesNotExist:
        return None


def login_too_old(request) -> bool:
    """OpenID Connect `max_age`: the login is older than the service accepts."""
    max_age = request.GET.get("max_age", "")
    login = sessions.current_login(request)
    if not max_age.isdigit() or login is None:
        return False
    return time.time() - login.at > int(max_age)


def with_issuer(location: str) -> str:
    """An authorization response names its issuer (RFC 9207): ours, and only ours."""
    parts = urlsplit(location)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "iss"]
    query.append(("iss", settings.OIDC_ISSUER))
    return urlunsplit(parts._replace(query=urlencode(query)))


def without_relogin(request) -> str:
    """This request's path without `prompt` and `max_age`: what to open after a fresh login."""
    query = request.GET.copy()
    for name in RELOGIN_PARAMETERS:
        query.pop(name, None)
    return f"{request.path}?{query.urlencode()}" if query else request.path


@method_decorator(never_cache, name="dispatch")
class TokenView(oauth_views.TokenView):
    """The token endpoint; a code presented twice revokes what it gave the first time (RFC 6749
    4.1.2), since one of the two presenters stole it."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        grant_type = request.POST.get("grant_type", "")
        if response.status_code == 200:
            return response  # audited by tokens_issued
        if grant_type == "authorization_code":
            replayed = code_replayed(request.POST.get("code", ""))
            if replayed is not None:
                audit.record(
                    "sso.code_replayed",
                    request=request,
                    subject=replayed.user,
                    success=False,
                    service=replayed.application.name,
                    client_id=replayed.application.client_id,
                )
        return response


@method_decorator(never_cache, name="dispatch")
class LogoutView(oauth_views.RPInitiatedLogoutView):
    """RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): a service sends the person
    here to log out of ZorgPortaal, and so of every service. Without proof that the service
    speaks for this very session (its ID token as `id_token_hint`), the person is asked first."""

    template_name = "sso/logout_confirm.html"

    def error_response(self, error):
        """ "Ingelogd blijven" is no error: back to the portal, still logged in."""
        if isinstance(error, LogoutDenied) and self.request.user.is_authenticated:
            messages.info(self.request, _("U bent ingelogd gebleven."))
            return redirect("portal:dashboard")
        return super().error_response(error)

    def do_logout(
        self, application=None, post_logout_redirect_uri=None, state=None, token_user=None
    ):
        """End this session and its tokens. A hint with someone else's ID token ends nothing of
        theirs: a confirmed logout is the confirming person's own."""
        user = self.request.user
        if user.is_authenticated:
            token_user = user
            sessions.session_end(self.request)
        return super().do_logout(application, post_logout_redirect_uri, state, token_user)


@receiver(app_authorized)
def tokens_issued(sender, request, token, **kwargs):
    """Tokens for a code or a refresh token, in the trail by kind and service (never the token)."""
    audit.record(
        "sso.tokens_issued",
        request=request,
        actor=token.user,
        subject=token.user,
        service=token.application.name,
        client_id=token.application.client_id,
        grant_type=request.POST.get("grant_type", ""),
        scopes=token.scope.split(),
    )


class RevokeView(oauth_views.RevokeTokenView):
    """RFC 7009: a service gives back a token; the trail notes which service did."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        client = authenticated_client(request) if response.status_code == 200 else None
        if client is not None:
            audit.record(
                "sso.token_revoked",
                request=request,
                service=client.name,
                client_id=client.client_id,
            )
        return response


def client_authentication_throttled(view):
    """A service's secret guessed, or a password hash made to burn CPU: failed client
    authentications count per address (zorgportaal.throttle), and past the free ones the address
    waits before its next try, right secret or not."""

    @wraps(view)
    def throttled(request, *args, **kwargs):
        keys = [throttle.key_for("oidc-client-ip", client_ip(request))]
        wait = throttle.seconds_to_wait(keys)
        if wait:
            audit.record_refusal("sso.client_authentication_refused", keys=keys, request=request)
            response = JsonResponse(
                {"error": "invalid_client", "error_description": "Too many failed attempts."},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 401:
            throttle.record_failure(keys[0], throttle.CLIENT)
            audit.record("sso.client_authentication_failed", request=request, success=False)
        return response

    return throttled


def code_replayed(code: str) -> SignIn | None:
    """The sign-in of a code that was already exchanged, its tokens now revoked."""
    sign_in = (
        SignIn.objects.select_related("user", "application")
        .filter(code_hash=code_hash(code), redeemed_at__isnull=False)
        .first()
    )
    if sign_in is None:
        return None
    RefreshToken.revoke_family(sign_in.token_family)
    return sign_in


def introspect_token(request):
    """RFC 7662 for a service's own API: is this token live, for whom, with what scopes.

    Only the service the token was issued to may ask (any other learns `active: false`), only
    by POST (a token in a URL ends up in logs), and the person is named by that service's
    subject, never by e-mail address.
    """
    client = authenticated_client(request)
    if client is None:
        response = JsonResponse({"error": "invalid_client"}, status=401)
        response["WWW-Authenticate"] = 'Basic realm="ZorgPortaal"'
        return response
    value = request.POST.get("token", "")
    token = (
        AccessToken.objects.select_related("user", "application")
        .filter(token_checksum=hashlib.sha256(value.encode()).hexdigest(), application=client)
        .first()
    )
    if token is None or not token.is_valid():
        return JsonResponse({"active": False})
    return JsonResponse(
        {
            "active": True,
            "scope": token.scope,
            "client_id": client.client_id,
            "token_type": "Bearer",
            "exp": int(token.expires.timestamp()),
            "sub": subject_for(token.user, client),
            "iss": settings.OIDC_ISSUER,
        }
    )


def authenticated_client(request):
    """The client that authenticated this request with its id and secret, or None."""
    oauth_request = OauthlibRequest(
        request.build_absolute_uri(),
        http_method="POST",
        body=request.POST.urlencode(),
        headers={"HTTP_AUTHORIZATION": request.headers.get("Authorization", "")},
    )
    validator = oauth2_settings.OAUTH2_VALIDATOR_CLASS()
    if not validator.authenticate_client(oauth_request):
        return None
    return oauth_request.client


authorize = stages(*ALL_STAGES)(AuthorizeView.as_view())
token = stages(*ALL_STAGES)(client_authentication_throttled(TokenView.as_view()))
# Called by services and browsers' scripts without a session: no journey to follow.
# The same for everyone and fetched by every service, which may keep them for an hour: a new
# signing key is published that long before it signs (README, Single sign-on).
PUBLIC_FOR_AN_HOUR = cache_control(public=True, max_age=3600)


class DiscoveryView(oauth_views.ConnectDiscoveryInfoView):
    """OpenID Connect Discovery 1.0, with what the library does not know we do."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        config = json.loads(response.content)
        config.update(
            backchannel_logout_supported=True,
            backchannel_logout_session_supported=True,
            acr_values_supported=list(assurance.SUPPORTED),
            claims_supported=sorted({"sub", "acr", "amr", "auth_time", "sid", *CLAIM_SCOPES}),
            grant_types_supported=["authorization_code", "refresh_token"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
            introspection_endpoint=config["issuer"] + reverse_path("introspect"),
            revocation_endpoint=config["issuer"] + reverse_path("revoke-token"),
        )
        response.content = json.dumps(config)
        return response


def reverse_path(name: str) -> str:
    """An endpoint's path below the issuer (which ends in /oidc)."""
    return reverse(f"oauth2_provider:{name}").removeprefix("/oidc")


discovery = stages(*ALL_STAGES)(PUBLIC_FOR_AN_HOUR(DiscoveryView.as_view()))
jwks = stages(*ALL_STAGES)(PUBLIC_FOR_AN_HOUR(oauth_views.JwksInfoView.as_view()))
userinfo = stages(*ALL_STAGES)(oauth_views.UserInfoView.as_view())
revoke = stages(*ALL_STAGES)(client_authentication_throttled(RevokeView.as_view()))
logout = stages(*ALL_STAGES)(LogoutView.as_view())
introspect = stages(*ALL_STAGES)(
    csrf_exempt(require_POST(never_cache(client_authentication_throttled(introspect_token))))
)
