"""A service as an OpenID Connect client: its django-oauth-toolkit Application, kept in step
with the service by the admin, and its secret, stored hashed and shown once."""

from django.db.models.signals import post_delete
from django.dispatch import receiver
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_application_model

from .models import Service

Application = get_application_model()


def client_save(service, *, redirect_uris: list[str], post_logout_redirect_uris: list[str]):
    """Make, change or keep the service's client; returns a new client's secret, else None.

    Only the authorization code flow (with PKCE, sso/), ID tokens signed with RS256; consent is
    the authorization view's business (`Service.first_party`), not the library's.
    """
    application = service.application
    secret = None
    if application is None:
        if not redirect_uris:
            return None
        secret = generate_client_secret()
        application = Application(
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            algorithm=Application.RS256_ALGORITHM,
            client_secret=secret,
        )
    application.name = service.name
    application.redirect_uris = " ".join(redirect_uris)
    application.post_logout_redirect_uris = " ".join(post_logout_redirect_uris)
    application.save()
    if service.application_id != application.pk:
        service.application = application
        service.save(update_fields=["application"])
    return secret


def client_secret_rotate(application) -> str:
    """A new secret replaces the old one at once; the service must be given it."""
    secret = generate_client_secret()
    application.client_secret = secret
    application.save(update_fields=["client_secret", "updated"])
    return secret


def service_state(service) -> dict:
    """What the audit trail keeps of a service: who sees it and where its client may go."""
    if not service:
        return {}
    application = service.application
    return {
        "name": service.name,
        "url": service.url,
        "organisations": sorted(o.name for o in service.organisations.all()),
        "roles": sorted(r.name for r in service.roles.all()),
        "first_party": service.first_party,
        "initiate_login_uri": service.initiate_login_uri,
        "backchannel_logout_uri": service.backchannel_logout_uri,
        "redirect_uris": application.redirect_uris.split() if application else [],
        "post_logout_redirect_uris": (
            application.post_logout_redirect_uris.split() if application else []
        ),
    }


@receiver(post_delete, sender=Service)
def client_goes_with_its_service(sender, instance, **kwargs):
    """A deleted service's client can sign no one in any more: its tokens go with it."""
    if instance.application_id is not None:
        Application.objects.filter(pk=instance.application_id).delete()
