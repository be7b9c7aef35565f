"""Administrators read chats and the life of codes here; nothing is changed and no code shown."""

from django.contrib import admin

from .models import Conversation, Message, VerificationCode


class ReadOnlyAdmin(admin.ModelAdmin):
    """Chats and codes change only through the helpdesk console and the purge command."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MessageInline(admin.TabularInline):
    model = Message
    fields = readonly_fields = ["created_at", "kind", "author", "event", "text"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "person", "taken_by", "taken_at", "closed_at"]
    list_select_related = ["person", "taken_by"]
    list_filter = [("closed_at", admin.EmptyFieldListFilter)]
    search_fields = ["person__email", "taken_by__email"]
    date_hierarchy = "created_at"
    fields = readonly_fields = ["person", "created_at", "taken_by", "taken_at", "closed_at"]
    inlines = [MessageInline]


@admin.register(VerificationCode)
class VerificationCodeAdmin(ReadOnlyAdmin):
    """When codes were made, how often they were tried, and how they ended: never the code."""

    list_display = ["user", "created_at", "expires_at", "failed_attempts", "ended_at", "end_reason"]
    list_select_related = ["user"]
    list_filter = ["end_reason"]
    search_fields = ["user__email"]
    date_hierarchy = "created_at"
    fields = readonly_fields = list_display
