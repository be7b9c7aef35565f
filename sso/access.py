"""Who may sign in to which service, and with what: the rules the authorization view applies."""

from oauth2_provider.models import get_application_model

from zorgportaal import audit

from .models import Consent, SignIn


def application(client_id: str):
    """The registered client (validated by django-oauth-toolkit before) with its service."""
    return get_application_model().objects.select_related("service").get(client_id=client_id)


def service_allowed(user, application) -> bool:
    """A client is a service on the dashboard, for everyone or this organisation and role."""
    service = getattr(application, "service", None)
    return service is not None and service.visible_to(user)


def consent_needed(user, application, scopes) -> bool:
    """First-party services need no consent; others once, until revoked in Mijn account."""
    if application.service.first_party:
        return False
    return not Consent.covers(user, application, scopes)


def services_by_login(user) -> dict[str, list[str]]:
    """For each of the person's logins, the services it signed in to (Mijn account, "Sessies")."""
    found: dict[str, list[str]] = {}
    rows = (
        SignIn.objects.filter(user=user, application__service__isnull=False)
        .values_list("login_id", "application__service__name")
        .distinct()
        .order_by("application__service__name")
    )
    for login_id, name in rows:
        found.setdefault(login_id, []).append(name)
    return found


def consents_of(user):
    """The services the person allowed to receive their details, with what."""
    return Consent.objects.filter(user=user).select_related("application__service")


def consent_revoke(consent, *, request) -> None:
    """The service asks again next time, and what it holds now stops working."""
    SignIn.objects.filter(user=consent.user, application=consent.application).tokens_revoke()
    audit.record(
        "sso.consent_revoked",
        request=request,
        subject=consent.user,
        service=consent.application.service.name,
        scopes=consent.scopes,
    )
    consent.delete()
