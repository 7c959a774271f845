from django.contrib import admin

from webhooks.models import EndpointDisabledEmail, WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = [
        "url",
        "team",
        "is_active",
        "failing_since",
        "consecutive_failures",
        "created_at",
    ]
    list_filter = ["is_active", "team"]
    list_select_related = ["team"]
    exclude = ["secret"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = [
        "attempted_at", "duration_ms", "status_code", "response_excerpt", "error"
    ]  # fmt: skip


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["webhook_id", "event_type", "endpoint", "status", "attempts", "created_at"]
    list_filter = ["status", "event_type"]
    list_select_related = ["endpoint"]
    search_fields = ["webhook_id"]
    readonly_fields = ["record", "replay_of", "replayed_by", "claim_token"]
    inlines = [WebhookAttemptInline]


@admin.register(EndpointDisabledEmail)
class EndpointDisabledEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "endpoint", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["endpoint", "recipient"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
