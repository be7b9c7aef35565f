"""The servicedesk overview, added to the invitation list ("Overzicht registraties en
helpdesk"): it reads invitations, factors and the helpdesk, so it sits above all of them."""

from django.contrib import admin
from django.urls import path, reverse

from accounts.admin import InvitationAdmin
from accounts.models import Invitation

from . import overview


class InvitationWithOverviewAdmin(InvitationAdmin):
    def get_urls(self):
        return [
            path(
                "overzicht/",
                self.admin_site.admin_view(overview.overview_view(self)),
                name="accounts_invitation_overview",
            ),
            path(
                "overzicht/<int:pk>/opnieuw-versturen/",
                self.admin_site.admin_view(overview.resend_view(self)),
                name="accounts_invitation_overview_resend",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "overview_url": reverse("admin:accounts_invitation_overview"),
        }
        return super().changelist_view(request, extra_context)


admin.site.unregister(Invitation)
admin.site.register(Invitation, InvitationWithOverviewAdmin)
