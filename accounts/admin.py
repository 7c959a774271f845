from django.contrib import admin

from accounts.models import UnlockLinkEmail


@admin.register(UnlockLinkEmail)
class UnlockLinkEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    search_fields = ["recipient__username", "recipient__email"]
    list_select_related = ["recipient"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
