"""Public functions of the tokens app for the registration flow."""

from .models import AppDevice


def discard_unfinished(user) -> None:
    """Remove authenticator apps this person started to set up but never confirmed.

    Only apps: inventory tokens belong to whoever bought them, and an unconfirmed token device
    holds the throttling state of link attempts, which starting over must not reset.
    """
    AppDevice.objects.filter(user=user, confirmed=False).delete()
