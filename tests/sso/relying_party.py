"""A relying party in a test: registers a service as a client, starts the authorization code
flow with PKCE, exchanges the code, and checks the ID token against the published keys."""

import base64
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from jwcrypto import jwk, jwt

from portal import clients
from portal.models import Service

REDIRECT_URI = "https://dienst.example.org/oidc/callback"


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636 4.1, 4.2)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class RelyingParty:
    """One registered service, as its own software would talk to ZorgPortaal."""

    service: Service
    client_id: str
    client_secret: str
    redirect_uri: str = REDIRECT_URI
    verifier: str = ""
    state: str = ""
    nonce: str = ""
    extra: dict = field(default_factory=dict)

    @classmethod
    def register(cls, name="Calculus VIPLive", *, first_party=True, **service_fields):
        service = Service.objects.create(
            name=name,
            url="https://dienst.example.org/",
            first_party=first_party,
            **service_fields,
        )
        secret = clients.client_save(
            service,
            redirect_uris=[REDIRECT_URI],
            post_logout_redirect_uris=["https://dienst.example.org/afgemeld"],
        )
        return cls(service, service.application.client_id, secret)

    def authorize_url(self, scope="openid profile email", **parameters) -> str:
        """A fresh request: new state, nonce and PKCE verifier (kept for the exchange)."""
        self.verifier, challenge = pkce_pair()
        self.state, self.nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": scope,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **parameters,
        }
        return "/oidc/authorize/?" + urlencode({k: v for k, v in query.items() if v is not None})

    def callback(self, response) -> dict:
        """The parameters ZorgPortaal sent to the redirect URI (a 302 to it)."""
        assert response.status_code == 302, response.status_code
        location = response["Location"]
        assert location.startswith(self.redirect_uri), location
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    def exchange(self, client, code, *, verifier=None, redirect_uri=None):
        return client.post(
            "/oidc/token/",
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri or self.redirect_uri,
                "code_verifier": self.verifier if verifier is None else verifier,
            },
            HTTP_AUTHORIZATION=self.basic_auth(),
        )

    def refresh(self, client, refresh_token):
        return client.post(
            "/oidc/token/",
            {"grant_type": "refresh_token", "refresh_token": refresh_token},
            HTTP_AUTHORIZATION=self.basic_auth(),
        )

    def basic_auth(self) -> str:
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    def sign_in(self, client, **parameters) -> dict:
        """The whole flow for a person logged in to `client`: the token response's JSON."""
        params = self.callback(client.get(self.authorize_url(**parameters)))
        response = self.exchange(client, params["code"])
        assert response.status_code == 200, response.content
        return response.json()

    def id_token_claims(self, client, id_token: str, *, nonce="") -> dict:
        """The ID token's claims, its signature checked against the JWKS as a service would;
        the nonce is the last request's unless given."""
        keys = jwk.JWKSet.from_json(client.get("/oidc/.well-known/jwks.json").content)
        token = jwt.JWT(jwt=id_token, key=keys, algs=["RS256"], expected_type="JWS")
        claims = json.loads(token.claims)
        assert claims["iss"] == settings.OIDC_ISSUER
        assert claims["aud"] == self.client_id
        expected = nonce or self.nonce
        assert claims.get("nonce", expected) == expected  # a refreshed token has none
        return claims


class Listener:
    """A service's back-channel address on this machine: records every logout token."""

    def __init__(self):
        self.tokens, self.status = [], 200
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                listener.tokens.append(parse_qs(body)["logout_token"][0])
                self.send_response(listener.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/backchannel"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
