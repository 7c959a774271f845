from django.contrib import admin
from django.db import models

from trackers.models import TrackerAccount, TrackerConnection, TrackerIssueCreation


@admin.register(TrackerConnection)
class TrackerConnectionAdmin(admin.ModelAdmin):
    # The encrypted token and webhook secret are not editable fields, so the admin never
    # shows them; they are changed on the connection page only.
    list_display = ["team", "kind", "target", "last_check_ok", "last_checked_at"]
    list_select_related = ["team"]
    exclude = ["token_encrypted", "webhook_secret_encrypted"]
    readonly_fields = [
        "last_checked_at", "last_check_ok", "last_check_message",
        "github_token_login", "github_repository_id",
    ]  # fmt: skip
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(TrackerIssueCreation)
class TrackerIssueCreationAdmin(admin.ModelAdmin):
    list_display = ["action_item", "connection", "status", "attempts", "created_at"]
    list_filter = ["status"]
    list_select_related = ["action_item", "connection__team"]
    readonly_fields = ["action_item", "connection", "requested_by", "claim_token"]


@admin.register(TrackerAccount)
class TrackerAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "github_login", "jira_account_id"]
    list_select_related = ["user"]
