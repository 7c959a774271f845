from django.contrib import admin

from core.models import EventHandling


@admin.register(EventHandling)
class EventHandlingAdmin(admin.ModelAdmin):
    list_display = ["record", "consumer", "status", "attempts", "handled_at", "last_error"]
    list_filter = ["consumer", "status"]
    list_select_related = ["record"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
