from django.contrib import admin
from django.db import models

from publishing.models import IncomingRevision, PublishDelivery, RepositoryConnection


@admin.register(RepositoryConnection)
class RepositoryConnectionAdmin(admin.ModelAdmin):
    # The encrypted secrets are not editable fields, so the admin never shows them; they are
    # changed on the connection page only.
    list_display = ["team", "kind", "target", "mode", "last_error_at"]
    list_select_related = ["team"]
    exclude = ["token_encrypted", "ssh_key_encrypted", "webhook_secret_encrypted"]
    readonly_fields = ["last_error", "last_error_at", "last_polled_at", "created_by"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(PublishDelivery)
class PublishDeliveryAdmin(admin.ModelAdmin):
    list_display = ["postmortem", "connection", "status", "attempts", "created_at"]
    list_filter = ["status"]
    list_select_related = ["postmortem__incident", "connection__team"]
    readonly_fields = ["connection", "postmortem", "version", "requested_by", "claim_token"]


@admin.register(IncomingRevision)
class IncomingRevisionAdmin(admin.ModelAdmin):
    list_display = ["file", "status", "is_conflict", "created_at"]
    list_filter = ["status", "is_conflict"]
    list_select_related = ["file"]
    readonly_fields = ["file", "decided_by"]
