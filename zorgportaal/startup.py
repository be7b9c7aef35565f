"""What the web server refuses to start with (wsgi.py); the system checks live in each app."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .settings import DEVELOPMENT_SECRET_KEY


def refuse_development_key_in_production() -> None:
    """A server with DEBUG off must not sign sessions and links with the public development key."""
    if not settings.DEBUG and settings.SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is the development key while DEBUG is false: set SECRET_KEY."
        )
