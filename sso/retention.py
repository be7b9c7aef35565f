"""How long single sign-on keeps what a login left behind (`manage.py purge`,
zorgportaal.retention)."""

from datetime import datetime

from django.db.models import Exists, OuterRef, Q
from oauth2_provider.models import (
    clear_expired,
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from zorgportaal.models import LoginSession
from zorgportaal.retention import cutoff

from .models import LogoutNotice, SignIn


def _ended_before(moment: datetime):
    """Rows of a login (`login_id`) that ended before `moment`, or whose record is gone: the
    purge of ended logins (zorgportaal) may have run first tonight."""
    login = LoginSession.objects.filter(login_id=OuterRef("login_id"))
    return Q(created_at__lt=moment) & (Exists(login.filter(ended_at__lt=moment)) | ~Exists(login))


def signins_purge(*, now: datetime) -> int:
    """The services a login reached (Mijn account, "Sessies") and the logout messages they were
    sent, LOGIN_RETENTION_DAYS after the login ended."""
    before = cutoff("LOGIN_RETENTION_DAYS", now)
    notices, _counts = LogoutNotice.objects.filter(_ended_before(before)).delete()
    signins, _counts = SignIn.objects.filter(_ended_before(before)).delete()
    return notices + signins


def _token_rows() -> int:
    models = (
        get_access_token_model(),
        get_refresh_token_model(),
        get_id_token_model(),
        get_grant_model(),
    )
    return sum(model.objects.count() for model in models)


def service_tokens_purge(*, now: datetime) -> int:
    """django-oauth-toolkit's expired codes and tokens (`cleartokens`), by its own clock and
    periods (OIDC_*_SECONDS); counted as the rows that went."""
    before = _token_rows()
    clear_expired()
    return max(0, before - _token_rows())
