from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from core.models import ChangeRecord
from incidents.models import (
    ActionItem,
    Cause,
    Incident,
    ReminderDelivery,
    Service,
    Tag,
    Team,
    TimelineEvent,
    User,
    duration_text,
)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "manager"]
    search_fields = ["name"]
    filter_horizontal = ["members"]
    list_select_related = ["manager"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "team"]
    list_filter = ["team"]
    search_fields = ["name"]
    list_select_related = ["team"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Preferences", {"fields": ["time_zone", "reminder_frequency"]}),
    ]
    list_display = [*DjangoUserAdmin.list_display, "reminder_frequency"]


class RowsOfVisibleIncidents:
    """Show staff who are not superusers only the rows of incidents they may see."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(incident__in=Incident.objects.visible_to(request.user).values("pk"))


class TimelineEventInline(admin.TabularInline):
    model = TimelineEvent
    extra = 0
    fields = ["occurred_at", "kind", "description", "is_dead_end", "author", "position"]


class CauseInline(admin.StackedInline):
    model = Cause
    extra = 0


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    fields = ["title", "kind", "priority", "owner", "due_date", "status"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = [
        "reference", "title", "severity", "status", "is_private", "started_at", "duration_text",
    ]  # fmt: skip
    list_filter = ["severity", "status", "is_private", "team", "services", "started_at"]
    search_fields = ["title", "summary"]
    date_hierarchy = "started_at"
    filter_horizontal = ["services", "tags", "allowed_users", "allowed_teams"]
    inlines = [TimelineEventInline, CauseInline, ActionItemInline]
    readonly_fields = ["reference", "duration_text", "version", "created_at", "updated_at"]
    list_select_related = ["commander", "team"]

    @admin.display(description="Duration")
    def duration_text(self, incident: Incident) -> str:
        return duration_text(incident.duration)

    def get_queryset(self, request):
        # Staff who are not superusers see in the admin only what they see in the app.
        return super().get_queryset(request).visible_to(request.user)


@admin.register(TimelineEvent)
class TimelineEventAdmin(RowsOfVisibleIncidents, admin.ModelAdmin):
    list_display = ["incident", "occurred_at", "kind", "is_dead_end"]
    list_filter = ["kind", "is_dead_end"]
    search_fields = ["description", "incident__title"]
    list_select_related = ["incident"]


@admin.register(Cause)
class CauseAdmin(RowsOfVisibleIncidents, admin.ModelAdmin):
    list_display = ["incident", "role", "category"]
    list_filter = ["role", "category"]
    search_fields = ["description", "incident__title"]
    list_select_related = ["incident"]


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["title", "incident", "kind", "priority", "owner", "due_date", "status"]
    list_filter = ["status", "kind", "priority", "due_date"]
    search_fields = ["title", "description", "incident__title", "owner__username"]
    list_select_related = ["incident", "owner"]
    autocomplete_fields = ["incident"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


# Registered here, not in core.admin: its rows are limited to the incidents the viewer may see.
@admin.register(ChangeRecord)
class ChangeRecordAdmin(RowsOfVisibleIncidents, admin.ModelAdmin):
    list_display = ["created_at", "incident", "event", "actor", "object_type", "object_repr"]
    list_filter = ["event", "object_type"]
    list_select_related = ["incident", "actor"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(admin.ModelAdmin):
    list_display = ["for_date", "kind", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["kind", "status", "for_date"]
    search_fields = ["recipient__username", "recipient__email"]
    list_select_related = ["recipient"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
