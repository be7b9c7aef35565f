from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def otp_seed_key_is_set(app_configs, **kwargs):
    """Seeds encrypted with a key derived from SECRET_KEY fall with SECRET_KEY: keep them apart."""
    if settings.OTP_SEED_KEY:
        return []
    return [
        Warning(
            "OTP_SEED_KEY is not set: OTP seeds are encrypted with a key derived from SECRET_KEY.",
            hint="Set OTP_SEED_KEY to a long random value of its own (see README).",
            id="tokens.W001",
        )
    ]
