"""The services behind the portal: the tiles under "Diensten" on the dashboard."""

import functools
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _


class ServiceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Services for everyone, or for this person's organisation and role."""
        return self.filter(
            models.Q(organisations=None) | models.Q(organisations=user.organisation_id),
            models.Q(roles=None) | models.Q(roles=user.role_id),
        ).distinct()


class Service(models.Model):
    """A tile under "Diensten" on the dashboard, managed in the admin."""

    class Icon(models.TextChoices):
        CHART = "chart", _("grafiek")
        DOCUMENT = "document", _("document")
        PEOPLE = "people", _("mensen")
        CALENDAR = "calendar", _("agenda")

    name = models.CharField(_("naam"), max_length=100)
    description = models.CharField(_("omschrijving"), max_length=200, blank=True)
    url = models.URLField(_("link"))
    icon = models.CharField(_("icoon"), max_length=16, choices=Icon.choices, default=Icon.CHART)
    organisations = models.ManyToManyField(
        "accounts.Organisation",
        verbose_name=_("organisaties"),
        blank=True,
        help_text=_("Leeg: voor iedereen."),
    )
    roles = models.ManyToManyField(
        "accounts.Role", verbose_name=_("rollen"), blank=True, help_text=_("Leeg: voor iedereen.")
    )
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    # A new value whenever `organisations` or `roles` change (audience_changed, below).
    audience_version = models.UUIDField(default=uuid.uuid4, editable=False)

    # Single sign-on (sso/): the service as an OpenID Connect client of ZorgPortaal.
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        verbose_name=_("OpenID Connect-client"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="service",
    )
    first_party = models.BooleanField(
        _("eigen dienst"),
        default=False,
        help_text=_(
            "Een dienst van de eigen organisatie: inloggen zonder toestemmingsscherm. Anders "
            "ziet de persoon eerst welke gegevens naar de dienst gaan."
        ),
    )
    initiate_login_uri = models.URLField(
        _("adres om het inloggen te starten"),
        blank=True,
        help_text=_(
            "Het adres van de dienst dat het inloggen via ZorgPortaal start (OpenID Connect "
            "initiate_login_uri). Ingevuld: de tegel logt de persoon met één klik in."
        ),
    )
    backchannel_logout_uri = models.URLField(
        _("adres voor uitloggen op de achtergrond"),
        blank=True,
        help_text=_(
            "Hier meldt ZorgPortaal dat een persoon is uitgelogd (OpenID Connect Back-Channel "
            "Logout), zodat de dienst de sessie ook beëindigt."
        ),
    )

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("dienst")
        verbose_name_plural = _("diensten")

    def __str__(self):
        return self.name

    def visible_to(self, user) -> bool:
        """ServiceQuerySet.visible_to for one service already loaded, without a query: its
        organisations and roles are read once per process and audience version."""
        organisations, roles = service_audience(self.pk, self.audience_version)
        return (not organisations or user.organisation_id in organisations) and (
            not roles or user.role_id in roles
        )

    @property
    def tile_url(self) -> str:
        """Where the tile goes: straight into the service through single sign-on (OpenID
        Connect third-party-initiated login) when it has a login address, else its link."""
        if not self.initiate_login_uri:
            return self.url
        query = urlencode({"iss": settings.OIDC_ISSUER, "target_link_uri": self.url})
        separator = "&" if "?" in self.initiate_login_uri else "?"
        return f"{self.initiate_login_uri}{separator}{query}"


@functools.lru_cache(maxsize=1024)
def service_audience(service_id: int, version: uuid.UUID) -> tuple[frozenset, frozenset]:
    """Who may see a service, as it was at this version (a new version is a new key, so the
    cache is never stale; a new service has a version of its own)."""
    links = Service.objects.filter(pk=service_id)
    return (
        frozenset(links.exclude(organisations=None).values_list("organisations", flat=True)),
        frozenset(links.exclude(roles=None).values_list("roles", flat=True)),
    )


@receiver(m2m_changed, sender=Service.organisations.through)
@receiver(m2m_changed, sender=Service.roles.through)
def audience_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A service's organisations or roles changed, from either side: a new audience version
    (an organisation or role cleared of all its services renews every service's)."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    services = Service.objects.all()
    if not reverse:
        services = services.filter(pk=instance.pk)
    elif action != "post_clear":
        services = services.filter(pk__in=pk_set)
    services.update(audience_version=uuid.uuid4())
