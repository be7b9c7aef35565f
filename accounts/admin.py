"""The servicedesk's pages: invite addresses, follow their status, resend or revoke."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters

from zorgportaal import audit
from zorgportaal.admin_site import AuditedDeletion

from . import admin_audit, invitations
from .account_sessions import account_sessions_end
from .deactivation import account_deactivate, account_reactivate
from .forms import InviteForm
from .models import Invitation, Organisation, Role, User


@admin.register(Organisation)
class OrganisationAdmin(AuditedDeletion, admin.ModelAdmin):
    """An organisation and its passkey policy; each saved change is an event (NEN 7513)."""

    search_fields = ["name"]
    list_display = ["name", "passkeys_allowed"]
    list_filter = ["passkeys_allowed"]
    fieldsets = [
        (None, {"fields": ["name"]}),
        (
            _("Passkeys en beveiligingssleutels"),
            {"fields": ["passkeys_allowed", "passkey_aaguids"]},
        ),
    ]

    def save_model(self, request, obj, form, change):
        stored = Organisation.objects.select_for_update().get(pk=obj.pk) if change else None
        before = admin_audit.organisation_state(stored or Organisation())
        super().save_model(request, obj, form, change)
        changed = admin_audit.changes(before, admin_audit.organisation_state(obj))
        if not change:
            audit.record("organisation.created_by_administrator", request=request, changed=changed)
        elif changed:
            audit.record(
                "organisation.changed_by_administrator",
                request=request,
                organisation=obj.name,
                changed=changed,
            )

    def audit_deletion(self, request, organisation):
        audit.record(
            "organisation.deleted_by_administrator",
            request=request,
            state=admin_audit.organisation_state(organisation),
        )


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(AuditedDeletion, DjangoUserAdmin):
    ordering = ["email"]
    actions = ["end_sessions", "deactivate", "reactivate"]
    list_display = ["email", "first_name", "last_name", "organisation", "role", "is_staff"]
    list_filter = ["organisation", "role", "is_staff", "is_active", "serves_all_organisations"]
    list_select_related = ["organisation", "role"]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["last_login", "date_joined", "identity_verified_at", "deactivated_at"]
    filter_horizontal = ["groups", "user_permissions", "served_organisations"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Persoonsgegevens"), {"fields": ["first_name", "last_name", "organisation", "role"]}),
        (
            _("Rechten"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (
            _("Helpdesk"),
            {
                "fields": ["serves_all_organisations", "served_organisations"],
                "description": _(
                    "Een helpdeskmedewerker helpt alleen de mensen van deze organisaties, of van "
                    "alle organisaties (centrale servicedesk). Zonder een van beide helpt de "
                    "medewerker niemand."
                ),
            },
        ),
        (
            _("Data"),
            {"fields": ["last_login", "date_joined", "identity_verified_at", "deactivated_at"]},
        ),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
    # The audit trail: every change an administrator saves here is one event (NEN 7513).

    def save_model(self, request, obj, form, change):
        """Read the account as stored, locked until the save commits: the event's "before"."""
        if change:
            stored = User.objects.select_for_update().get(pk=obj.pk)
            obj._audit_before = admin_audit.account_state(stored)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """Compare once the many-to-many fields (groups, permissions) are saved too."""
        super().save_related(request, form, formsets, change)
        user = form.instance
        if change and "is_active" in form.changed_data:  # as the actions below do
            (account_reactivate if user.is_active else account_deactivate)(user, request=request)
        before = user._audit_before if change else admin_audit.account_state(User())
        changed = admin_audit.changes(before, admin_audit.account_state(user))
        if not change:
            audit.record(
                "account.created_by_administrator",
                request=request,
                subject=user,
                changed=changed,
                usable_password=user.has_usable_password(),
            )
        elif changed:  # a save without a change is no event
            audit.record(
                "account.changed_by_administrator", request=request, subject=user, changed=changed
            )

    @admin.action(description=_("Alle sessies beëindigen (ook bij de diensten)"))
    def end_sessions(self, request, queryset):
        for user in queryset:
            account_sessions_end(user, request=request)
        self.message_user(
            request,
            ngettext(
                "De sessies van %d account zijn beëindigd.",
                "De sessies van %d accounts zijn beëindigd.",
                len(queryset),
            )
            % len(queryset),
            messages.SUCCESS,
        )

    @admin.action(description=_("Deactiveren (uitloggen, middelen verwijderen, later wissen)"))
    def deactivate(self, request, queryset):
        done = sum(account_deactivate(user, request=request) for user in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d account is gedeactiveerd; het wordt na %(days)d dagen gewist.",
                "%(count)d accounts zijn gedeactiveerd; ze worden na %(days)d dagen gewist.",
                done,
            )
            % {"count": done, "days": settings.ACCOUNT_RETENTION_DAYS},
            messages.SUCCESS,
        )

    @admin.action(description=_("Heractiveren (opnieuw middel koppelen en helpdeskcontrole)"))
    def reactivate(self, request, queryset):
        done = sum(account_reactivate(user, request=request) for user in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d account is weer actief.", "%(count)d accounts zijn weer actief.", done
            )
            % {"count": done},
            messages.SUCCESS,
        )

    def audit_deletion(self, request, user):
        """Written before the row goes: the deletion unlinks the event and keeps the address."""
        audit.record(
            "account.deleted_by_administrator",
            request=request,
            subject=user,
            state=admin_audit.account_state(user),
        )

    @method_decorator(sensitive_post_parameters())
    def user_change_password(self, request, id, form_url=""):
        """Django's page; a new password hash is an event (never the password or the hash)."""
        user = self.get_object(request, unquote(id)) if request.method == "POST" else None
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if user is not None:
                self._audit_password(request, user)
        return response

    def _audit_password(self, request, user):
        stored = User.objects.get(pk=user.pk)
        if stored.password == user.password:
            return  # the form was refused
        event = (
            "password.set_by_administrator"
            if stored.has_usable_password()
            else "password.unset_by_administrator"  # the page's "disable password login"
        )
        audit.record(event, request=request, subject=stored)


# django.contrib.auth (earlier in INSTALLED_APPS) registered Django's GroupAdmin: replaced.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedDeletion, DjangoGroupAdmin):
    """Django's group pages; a group's rights are its members' rights, so each change is an
    event naming the members who gain or lose them."""

    def save_model(self, request, obj, form, change):
        if change:
            stored = Group.objects.select_for_update().get(pk=obj.pk)
            obj._audit_before = admin_audit.group_state(stored)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """Compare once the permissions (a many-to-many field) are saved too."""
        super().save_related(request, form, formsets, change)
        group = form.instance
        before = group._audit_before if change else admin_audit.group_state(Group())
        changed = admin_audit.changes(before, admin_audit.group_state(group))
        if change and not changed:
            return
        audit.record(
            "group.changed" if change else "group.created",
            request=request,
            group=group.name,
            changed=changed,
            members=admin_audit.group_members(group),
        )

    def audit_deletion(self, request, group):
        audit.record(
            "group.deleted",
            request=request,
            group=group.name,
            permissions=admin_audit.group_state(group)["permissions"],
            members=admin_audit.group_members(group),
        )


class StatusFilter(admin.SimpleListFilter):
    """Filter on the status a person sees: the `status` the admin's rows carry
    (`InvitationQuerySet.with_status`)."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Invitation.Status.choices

    def queryset(self, request, queryset):
        if self.value() in Invitation.Status.values:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "first_name",
        "last_name",
        "organisation",
        "role",
        "status_label",
        "invited_by",
        "created_at",
        "sent_at",
        "expires_at",
    ]
    list_filter = [StatusFilter, "organisation", "role"]
    list_select_related = ["organisation", "role", "invited_by"]
    search_fields = ["email", "first_name", "last_name"]
    date_hierarchy = "created_at"
    actions = ["resend", "revoke"]
    readonly_fields = [
        "email",
        "first_name",
        "last_name",
        "organisation",
        "role",
        "language",
        "invited_by",
        "created_at",
        "expires_at",
        "sent_at",
        "send_failed_at",
        "send_attempts",
        "send_error",
        "opened_at",
        "used_at",
        "revoked_at",
        "user",
        "status_label",
    ]
    exclude = ["token_hash"]

    def get_queryset(self, request):
        """Every row with its status, for the list, its filter and the detail page."""
        return super().get_queryset(request).with_status()

    @admin.display(description=_("status"))
    def status_label(self, invitation):
        return Invitation.Status(invitation.status).label

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "uitnodigen/",
                self.admin_site.admin_view(self.invite_view),
                name="accounts_invitation_invite",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:accounts_invitation_invite")

    def invite_view(self, request):
        """A pasted list or a CSV file of names and addresses, for an organisation and a role."""
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = InviteForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            report = invitations.invitations_create(
                text=form.cleaned_data["addresses"],
                invitees=form.cleaned_data["csv_file"],
                organisation=form.cleaned_data["organisation"],
                role=form.cleaned_data["role"],
                language=form.cleaned_data["language"],
                invited_by=request.user,
                request=request,
            )
            self._report(request, report)
            return redirect("admin:accounts_invitation_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("E-mailadressen uitnodigen"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/invitation/invite.html", context)

    def _report(self, request, report: invitations.InviteReport):
        groups = [
            (report.invited, messages.SUCCESS, _("Uitgenodigd")),
            (report.renewed, messages.SUCCESS, _("Verlopen uitnodiging vernieuwd en verstuurd")),
            (report.already_invited, messages.WARNING, _("Al uitgenodigd, niet opnieuw")),
            (report.existing_accounts, messages.WARNING, _("Heeft al een account")),
            (report.duplicates, messages.WARNING, _("Dubbel in de lijst, één keer uitgenodigd")),
            (report.invalid, messages.ERROR, _("Geen geldig e-mailadres")),
        ]
        for addresses, level, label in groups:
            if addresses:
                items = format_html_join(", ", "{}", ((a,) for a in addresses))
                messages.add_message(
                    request, level, format_html("{} ({}): {}", label, len(addresses), items)
                )

    @admin.action(description=_("Opnieuw versturen (nieuwe link, oude vervalt)"))
    def resend(self, request, queryset):
        sent = sum(invitations.invitation_resend(inv, request=request) for inv in queryset)
        skipped = queryset.count() - sent
        self.message_user(
            request,
            ngettext(
                "%d uitnodiging opnieuw verstuurd.", "%d uitnodigingen opnieuw verstuurd.", sent
            )
            % sent,
            messages.SUCCESS if sent else messages.WARNING,
        )
        if skipped:
            self.message_user(
                request,
                _(
                    "%(count)d niet verstuurd: gebruikt, ingetrokken of verzenden mislukt "
                    "(zie de status)."
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Intrekken"))
    def revoke(self, request, queryset):
        revoked = sum(invitations.invitation_revoke(inv, request=request) for inv in queryset)
        self.message_user(
            request,
            ngettext("%d uitnodiging ingetrokken.", "%d uitnodigingen ingetrokken.", revoked)
            % revoked,
            messages.SUCCESS,
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "invite_url": reverse("admin:accounts_invitation_invite"),
        }
        return super().changelist_view(request, extra_context)
