"""Administrators' pages: the token inventory, its Azure CSV imports and everyone's devices.

Nothing here shows a seed: the encrypted fields are left out of every list and form.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from zorgportaal import audit
from zorgportaal.admin_site import AuditedDeletion

from . import services
from .forms import AdminAzureCsvUploadForm
from .models import AppDevice, AzureCsvImport, HardwareToken, HardwareTokenDevice


@admin.register(AzureCsvImport)
class AzureCsvImportAdmin(admin.ModelAdmin):
    """The import report: who brought which file in, when, from where, with how many tokens."""

    list_display = ["created_at", "filename", "source", "token_count", "imported_by"]
    list_filter = ["source"]
    list_select_related = ["imported_by"]
    search_fields = ["filename", "imported_by__email"]
    date_hierarchy = "created_at"
    fields = readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HardwareToken)
class HardwareTokenAdmin(AuditedDeletion, admin.ModelAdmin):
    """The inventory, read-only; tokens come in only through an Azure CSV (the add button)."""

    change_list_template = "tokens/admin/hardwaretoken_change_list.html"
    list_display = [
        "serial",
        "organisation",
        "interval",
        "manufacturer",
        "model",
        "bound_to",
        "csv_import",
        "created_at",
    ]
    list_filter = ["organisation", "interval", "manufacturer"]
    list_select_related = ["device__user", "csv_import", "organisation"]
    search_fields = ["serial", "upn"]
    fields = readonly_fields = [
        "serial",
        "organisation",
        "interval",
        "manufacturer",
        "model",
        "upn",
        "bound_to",
        "imported_by",
        "csv_import",
        "created_at",
    ]

    @admin.display(description=_("gekoppeld aan"))
    def bound_to(self, token):
        device = getattr(token, "device", None)
        if device is None or not device.confirmed:
            return "—"
        return device.user.email

    def has_change_permission(self, request, obj=None):
        return False

    def audit_deletion(self, request, token):
        """An unlinked token only: a linked one is protected by its device."""
        organisation = token.organisation.name if token.organisation else None
        audit.record(
            "token.deleted", request=request, serial=token.serial, organisation=organisation
        )

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        return [
            path("uploaden/", upload, name="tokens_hardwaretoken_upload"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:tokens_hardwaretoken_upload")

    def upload_view(self, request):
        """Import a batch at the administrators' limits, then show the import report."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AdminAzureCsvUploadForm(
            request.POST or None,
            request.FILES or None,
            user=request.user,
            request=request,
            source=AzureCsvImport.Source.ADMIN,
            max_rows=settings.AZURE_CSV_ADMIN_MAX_ROWS,
            max_bytes=settings.AZURE_CSV_ADMIN_MAX_BYTES,
        )
        if request.method == "POST" and form.is_valid():
            csv_import = form.csv_import
            count = csv_import.token_count
            self.message_user(
                request,
                ngettext(
                    "%(count)d token geïmporteerd uit %(file)s.",
                    "%(count)d tokens geïmporteerd uit %(file)s.",
                    count,
                )
                % {"count": count, "file": csv_import.filename},
                messages.SUCCESS,
            )
            return redirect("admin:tokens_azurecsvimport_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Azure CSV uploaden"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "tokens/admin/upload.html", context)


class TotpDeviceAdmin(admin.ModelAdmin):
    """A person's devices: confirmed, locked, last used; unlocking is the only change."""

    list_display = [
        "name",
        "user",
        "confirmed",
        "locked",
        "throttling_failure_count",
        "created_at",
        "last_used_at",
    ]
    list_filter = ["confirmed"]
    list_select_related = ["user"]
    search_fields = ["user__email", "name"]
    actions = ["unlock"]
    fields = readonly_fields = [
        "user",
        "name",
        "confirmed",
        "locked",
        "throttling_failure_count",
        "throttling_failure_timestamp",
        "created_at",
        "last_used_at",
    ]

    @admin.display(description=_("geblokkeerd"), boolean=True)
    def locked(self, device):
        return device.is_locked

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Deblokkeren (pogingen op nul zetten)"), permissions=["change"])
    def unlock(self, request, queryset):
        devices = list(queryset)
        for device in devices:
            services.device_unlock(device, request=request)
        self.message_user(
            request,
            ngettext(
                "%d authenticatiemiddel gedeblokkeerd.",
                "%d authenticatiemiddelen gedeblokkeerd.",
                len(devices),
            )
            % len(devices),
            messages.SUCCESS,
        )

    def delete_model(self, request, obj):
        services.device_remove(obj, request=request, last_factor_allowed=True)

    def delete_queryset(self, request, queryset):
        for device in queryset:
            services.device_remove(device, request=request, last_factor_allowed=True)


@admin.register(AppDevice)
class AppDeviceAdmin(TotpDeviceAdmin):
    pass


@admin.register(HardwareTokenDevice)
class HardwareTokenDeviceAdmin(TotpDeviceAdmin):
    list_display = [*TotpDeviceAdmin.list_display, "hardware_token"]
    list_select_related = ["user", "hardware_token"]
    search_fields = [*TotpDeviceAdmin.search_fields, "hardware_token__serial"]
    fields = readonly_fields = [*TotpDeviceAdmin.fields, "hardware_token"]
