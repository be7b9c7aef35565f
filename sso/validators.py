"""django-oauth-toolkit's validator, taught what ZorgPortaal promises the services: who the
person is (claims by scope, a subject per service) and how they logged in (amr, acr, sid)."""

import functools
import hashlib
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone
from jwcrypto import jwk
from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.utils import jwk_from_pem

from .claims import person_claims, subject_for
from .models import SignIn

# Which scope releases which claim; a claim not named here never leaves (data minimisation).
CLAIM_SCOPES = {
    "sub": "openid",
    "name": "profile",
    "given_name": "profile",
    "family_name": "profile",
    "organisation": "profile",
    "role": "profile",
    "email": "email",
    "email_verified": "email",
}


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class ZorgPortaalValidator(OAuth2Validator):
    oidc_claim_scope = CLAIM_SCOPES

    def get_additional_claims(self, request):
        return {"sub": subject_for(request.user, request.client), **person_claims(request.user)}

    def _load_access_token(self, token):
        """A bearer token with the person's organisation and role, which userinfo names."""
        tokens = get_access_token_model().objects.select_related(
            "application", "user__organisation", "user__role"
        )
        try:  # not first(): the checksum is unique, and ordering costs a fifth of the lookup
            return tokens.get(token_checksum=hashlib.sha256(token.encode()).hexdigest())
        except tokens.model.DoesNotExist:
            return None

    def _get_key_for_token(self, token):
        """Every published key, so that an ID token signed before a key rotation still proves
        who logs out (`id_token_hint`); the library would only try the signing key."""
        return published_keys(settings.OIDC_SIGNING_KEY, *settings.OIDC_PUBLISHED_KEYS)

    def validate_silent_login(self, request):
        """prompt=none: the authorization view answers login_required itself (sso.views)."""
        return True

    def validate_silent_authorization(self, request):
        """prompt=none: the authorization view answers consent_required itself (sso.views)."""
        return True

    def _create_authorization_code(self, request, code, expires=None):
        """Remember the login behind this code, for the ID token it will be exchanged for."""
        grant = super()._create_authorization_code(request, code, expires)
        login = request.sign_in_login
        SignIn.objects.create(
            user=request.user,
            application=request.client,
            login_id=login.id,
            authenticated_at=datetime.fromtimestamp(login.at, tz=UTC),
            methods=request.sign_in_methods,
            acr=request.sign_in_acr,
            code_hash=code_hash(code["code"]),
        )
        return grant

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        request.sign_in = SignIn.objects.get(code_hash=code_hash(code), application=client)
        return True

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous):
        """The first refresh token of a code starts a family; the sign-in follows it."""
        refresh_token = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous
        )
        sign_in = getattr(request, "sign_in", None)
        if sign_in is not None and previous is None:
            SignIn.objects.filter(pk=sign_in.pk).update(
                token_family=refresh_token.token_family, redeemed_at=timezone.now()
            )
        return refresh_token

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expires = super().get_id_token_dictionary(token, token_handler, request)
        sign_in = self._sign_in_of(request)
        claims.update(login_claims(sign_in, request.user))
        return claims, expires

    @staticmethod
    def _sign_in_of(request) -> SignIn:
        """The sign-in of a code exchange, or of the refresh token's family."""
        sign_in = getattr(request, "sign_in", None)
        if sign_in is not None:
            return sign_in
        family = request.refresh_token_instance.token_family
        return SignIn.objects.get(token_family=family)


@functools.lru_cache(maxsize=4)
def published_keys(*pems: str) -> jwk.JWKSet:
    """The keys as the JWKS publishes them, each with its thumbprint as `kid` (RFC 7638)."""
    keys = jwk.JWKSet()
    for pem in pems:
        keys.add(jwk_from_pem(pem))  # jwcrypto names a key from a PEM by its thumbprint
    return keys


def login_claims(sign_in: SignIn, user) -> dict:
    """How the person logged in: RFC 8176 methods, when, which login, and what it proves
    (`acr`, sso.assurance) with the helpdesk's check."""
    claims = {
        "auth_time": int(sign_in.authenticated_at.timestamp()),
        "amr": sign_in.methods,
        "sid": sign_in.login_id,
    }
    if sign_in.acr:
        claims["acr"] = sign_in.acr
    if user.identity_verified_at is not None:
        claims["identity_verified_at"] = int(user.identity_verified_at.timestamp())
    return claims
