"""Administrators vouch for staff: "Identiteit verifiëren (medewerkers)" on the user list.

Staff made in the admin have no helpdesk to verify them (the first agent least of all); the
action lives here, with the console, and is added to the people's own user admin.
"""

from django.contrib import admin
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts.admin import UserAdmin
from accounts.models import User

from . import staff_verification


class StaffVerifyingUserAdmin(UserAdmin):
    actions = [*UserAdmin.actions, staff_verification.ACTION]

    @admin.action(
        description=_("Identiteit verifiëren (medewerkers)"), permissions=["verify_identity"]
    )
    def verify_staff_identity(self, request, queryset):
        return staff_verification.verify_staff_identity(self, request, queryset)

    def has_verify_identity_permission(self, request):
        return request.user.is_superuser

    @method_decorator(sensitive_post_parameters("code"))  # the action's one-time code
    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, extra_context)


admin.site.unregister(User)
admin.site.register(User, StaffVerifyingUserAdmin)
