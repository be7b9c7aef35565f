"""The services behind the portal: the tiles under "Diensten" on the dashboard."""

from django.db import models
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

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("dienst")
        verbose_name_plural = _("diensten")

    def __str__(self):
        return self.name
