from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def oidc_signing_key_is_set(app_configs, **kwargs):
    """Tokens signed with a key from a file beside the code: each server would have its own."""
    if not settings.OIDC_SIGNING_KEY_IS_DEVELOPMENT_KEY:
        return []
    return [
        Warning(
            "OIDC_SIGNING_KEY is not set: ID tokens are signed with a development key.",
            hint="Set OIDC_SIGNING_KEY to an RSA private key in PEM, the same on every server "
            "(README, Single sign-on).",
            id="sso.W001",
        )
    ]
