from django.contrib import admin

from .models import AuditEvent, Service


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the trail is append-only."""

    list_display = ["created_at", "event", "outcome", "actor_email", "subject_email", "client_ip"]
    list_filter = ["event", "outcome"]
    search_fields = ["actor_email", "subject_email", "request_id"]
    date_hierarchy = "created_at"
    list_select_related = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "order"]
    list_editable = ["order"]
    filter_horizontal = ["organisations", "roles"]
    search_fields = ["name"]
