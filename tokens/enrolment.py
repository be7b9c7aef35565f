"""Public functions of the tokens app for the registration flow."""

from .models import AppDevice


def discard_unfinished(user) -> None:
    """Remove authenticator apps this person started to set up but never confirmed.

    Only apps: a token device exists only once linked (link attempts are throttled per person
    and per client, in `zorgportaal.throttle`, which starting over does not reset).
    """
    AppDevice.objects.filter(user=user, confirmed=False).delete()
