"""Public functions of the tokens app for the registration flow."""

from django_otp import devices_for_user


def discard_unfinished(user) -> None:
    """Remove factors this person started to set up but never confirmed."""
    for device in devices_for_user(user, confirmed=False):
        device.delete()
