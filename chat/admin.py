from django.contrib import admin
from django.db import models

from chat.models import ChatCommand, ChatConnection, ChatUserLink, IncidentChannel


@admin.register(ChatConnection)
class ChatConnectionAdmin(admin.ModelAdmin):
    # The encrypted secrets are not editable fields: the admin never shows them.
    list_display = ["name", "team", "kind", "workspace_id", "created_at"]
    list_filter = ["kind"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ChatUserLink)
class ChatUserLinkAdmin(admin.ModelAdmin):
    list_display = ["user", "connection", "chat_user_id", "chat_username"]
    raw_id_fields = ["user"]


@admin.register(IncidentChannel)
class IncidentChannelAdmin(admin.ModelAdmin):
    list_display = ["incident", "connection", "channel_name", "channel_id", "linked_at"]
    raw_id_fields = ["incident"]


@admin.register(ChatCommand)
class ChatCommandAdmin(admin.ModelAdmin):
    list_display = ["received_at", "connection", "text", "status"]
    list_filter = ["status"]
    readonly_fields = ["answer"]
