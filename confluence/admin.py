from django.contrib import admin
from django.db import models

from confluence.models import ConfluenceConnection, ConfluenceDelivery, ConfluencePage


@admin.register(ConfluenceConnection)
class ConfluenceConnectionAdmin(admin.ModelAdmin):
    # The encrypted token is not an editable field, so the admin never shows it.
    list_display = ["team", "target", "last_check_ok", "last_checked_at", "last_error"]
    list_select_related = ["team"]
    exclude = ["token_encrypted"]
    readonly_fields = [
        "space_id", "last_checked_at", "last_check_ok", "last_check_message",
        "last_error", "last_error_at",
    ]  # fmt: skip
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ConfluencePage)
class ConfluencePageAdmin(admin.ModelAdmin):
    list_display = ["postmortem", "page_id", "page_version", "published_version", "withdrawn_at"]
    list_select_related = ["postmortem__incident"]
    readonly_fields = ["postmortem", "connection"]


@admin.register(ConfluenceDelivery)
class ConfluenceDeliveryAdmin(admin.ModelAdmin):
    list_display = ["postmortem", "action", "connection", "status", "attempts", "created_at"]
    list_filter = ["status", "action"]
    list_select_related = ["postmortem__incident", "connection__team"]
    readonly_fields = ["postmortem", "connection", "requested_by", "claim_token"]
