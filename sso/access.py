"""Who may sign in to which service, and with what: the rules the authorization view applies."""

from oauth2_provider.models import get_application_model

from portal.models import Service

from .models import Consent


def application(client_id: str):
    """The registered client with its service (validated by django-oauth-toolkit before)."""
    return get_application_model().objects.select_related("service").get(client_id=client_id)


def service_allowed(user, application) -> bool:
    """A client is a service on the dashboard, for everyone or this organisation and role."""
    service = getattr(application, "service", None)
    if service is None:
        return False
    return Service.objects.visible_to(user).filter(pk=service.pk).exists()


def consent_needed(user, application, scopes) -> bool:
    """First-party services need no consent; others once, until revoked in Mijn account."""
    if application.service.first_party:
        return False
    return not Consent.covers(user, application, scopes)


def authentication_methods(user) -> list[str]:
    """RFC 8176 `amr` of this login: the password, and what the second factor is."""
    return ["pwd", *user.otp_device.authentication_methods, "mfa"]
