from django.contrib import admin

from alerts.models import AlertEvent, AlertLink, AlertServiceRule, AlertSource


class AlertServiceRuleInline(admin.TabularInline):
    model = AlertServiceRule
    extra = 0


@admin.register(AlertSource)
class AlertSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "kind", "is_active", "last_received_at"]
    list_filter = ["kind", "is_active", "team"]
    list_select_related = ["team"]
    inlines = [AlertServiceRuleInline]


@admin.register(AlertLink)
class AlertLinkAdmin(admin.ModelAdmin):
    list_display = ["key", "source", "incident", "created_at"]
    list_select_related = ["source", "incident"]
    raw_id_fields = ["incident"]


@admin.register(AlertEvent)
class AlertEventAdmin(admin.ModelAdmin):
    list_display = ["key", "action", "occurred_at", "source", "incident", "received_at"]
    list_filter = ["action", "source"]
    list_select_related = ["source", "incident"]
    raw_id_fields = ["incident", "timeline_event"]
