"""Log in with ZorgPortaal (authorization code + PKCE), show who came in, log out there too,
and end a session when ZorgPortaal says its login ended (back-channel logout)."""

from html import escape
from urllib.parse import urlencode

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from joserfc import jwt
from joserfc.jwk import KeySet

oauth = OAuth()
oauth.register(
    "zorgportaal",
    client_id=settings.CLIENT_ID,
    client_secret=settings.CLIENT_SECRET,
    server_metadata_url=settings.ZORGPORTAAL_ISSUER + "/.well-known/openid-configuration",
    client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256"},
)
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def page(title: str, body: str) -> HttpResponse:
    return HttpResponse(
        f"<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>{title}</title>"
        f"</head><body><h1>{title}</h1>{body}</body></html>"
    )


def healthz(request):
    return HttpResponse("ok")


def home(request):
    person = request.session.get("person")
    if not person:
        return page(
            "Calculus VIPLive",
            "<p>U bent niet ingelogd.</p>"
            "<p><a href='/inloggen/'>Inloggen met uw Topicus Zorg Account</a></p>",
        )
    rows = "".join(
        f"<tr><th>{escape(k)}</th><td class='claim-{escape(k)}'>{escape(str(v))}</td></tr>"
        for k, v in sorted(person.items())
    )
    return page(
        "Calculus VIPLive",
        f"<p class='welcome'>Welkom, {escape(person.get('name', ''))}</p><table>{rows}</table>"
        "<form method='post' action='/uitloggen/'><button>Uitloggen</button></form>",
    )


def login(request):
    return oauth.zorgportaal.authorize_redirect(request, settings.SITE_URL + "/oidc/callback")


def start(request):
    """OpenID Connect third-party-initiated login: only for the issuer we know."""
    if request.GET.get("iss") != settings.ZORGPORTAAL_ISSUER:
        return HttpResponseBadRequest("Onbekende uitgever")
    return login(request)


def callback(request):
    token = oauth.zorgportaal.authorize_access_token(request)  # checks state, PKCE, id_token
    person = dict(token["userinfo"])
    request.session.cycle_key()
    request.session["person"] = person
    request.session["id_token"] = token["id_token"]
    cache.set(f"sid:{person['sid']}", request.session.session_key, 12 * 3600)
    return redirect("/")


@csrf_exempt
@require_POST
def logout(request):
    """RP-initiated logout: our session ends, then ZorgPortaal's (and so every service's)."""
    id_token = request.session.get("id_token", "")
    request.session.flush()
    metadata = oauth.zorgportaal.load_server_metadata()
    query = urlencode(
        {"id_token_hint": id_token, "post_logout_redirect_uri": settings.SITE_URL + "/afgemeld"}
    )
    return redirect(f"{metadata['end_session_endpoint']}?{query}")


def logged_out(request):
    return page("Calculus VIPLive", "<p class='logged-out'>U bent uitgelogd.</p>")


@csrf_exempt
@require_POST
def backchannel_logout(request):
    """OpenID Connect Back-Channel Logout 1.0, 2.6: validate the logout token, end the session."""
    try:
        claims = logout_token_claims(request.POST.get("logout_token", ""))
    except Exception as error:  # any invalid token: 400, as the spec says
        return HttpResponseBadRequest(str(error))
    session_key = cache.get(f"sid:{claims['sid']}")
    if session_key:
        SessionStore(session_key=session_key).delete()
    return HttpResponse(status=200)


def logout_token_claims(token: str) -> dict:
    metadata = oauth.zorgportaal.load_server_metadata()
    keys = KeySet.import_key_set(oauth.zorgportaal.fetch_jwk_set())
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        leeway=30,
        iss={"essential": True, "value": metadata["issuer"]},
        aud={"essential": True, "value": settings.CLIENT_ID},
        iat={"essential": True},
        jti={"essential": True},
        sid={"essential": True},
    ).validate(decoded.claims)
    claims = decoded.claims
    if BACKCHANNEL_EVENT not in claims.get("events", {}) or "nonce" in claims:
        raise ValueError("Geen logout token")
    return claims
