"""Forms of chat notifications: a person's choice, and a team connection's channel."""

from django import forms

from chat.clients import Channel
from chat.models import ChatConnection, ChatNotifyChoice

Via = ChatNotifyChoice.Via


class NotifyChoiceForm(forms.Form):
    """E-mail, chat or both, for reminders and for notifications; chat only once linked."""

    reminders = forms.ChoiceField(
        label="Reminders of your action items", widget=forms.RadioSelect,
        help_text="The morning digest of your open items, and escalations if you manage a team.",
    )  # fmt: skip
    notifications = forms.ChoiceField(
        label="Notifications", widget=forms.RadioSelect,
        help_text="What the notification settings send you outside the inbox.",
    )  # fmt: skip

    def __init__(self, *args, choice: ChatNotifyChoice, linked: bool, **kwargs):
        kwargs.setdefault(
            "initial", {"reminders": choice.reminders, "notifications": choice.notifications}
        )
        super().__init__(*args, **kwargs)
        offered = Via.choices if linked else [(Via.EMAIL, Via.EMAIL.label)]
        for name in ("reminders", "notifications"):
            self.fields[name].choices = offered


class TeamChannelForm(forms.ModelForm):
    """Where the team's news and overdue items are posted; a channel picked from the chat's."""

    notify_channel_id = forms.CharField(
        label="Team channel", required=False, max_length=64,
        help_text="Never a private incident's news or items. Invite the bot to the channel.",
    )  # fmt: skip

    class Meta:
        model = ChatConnection
        fields = ["notify_channel_id", "notify_reminders", "notify_notifications"]

    def __init__(self, *args, channels: list[Channel] | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.channels = channels
        if channels is not None:
            self.fields["notify_channel_id"].widget = forms.Select(
                choices=[("", "No channel")]
                + [(c.id, f"{'🔒 ' if c.is_private else '#'}{c.name}") for c in channels]
            )

    def clean_notify_channel_id(self):
        channel_id = self.cleaned_data["notify_channel_id"].strip()
        if (
            channel_id
            and self.channels is not None
            and channel_id not in {c.id for c in self.channels}
        ):
            raise forms.ValidationError("Pick one of the chat's channels; invite the bot first.")
        return channel_id

    def clean(self):
        data = super().clean()
        wants = data.get("notify_reminders") or data.get("notify_notifications")
        if wants and not data.get("notify_channel_id") and "notify_channel_id" not in self.errors:
            self.add_error("notify_channel_id", "Pick the channel to post in, or untick both.")
        return data

    def save(self, commit: bool = True) -> ChatConnection:
        connection = super().save(commit=False)
        names = {c.id: c.name for c in self.channels or []}
        connection.notify_channel_name = names.get(connection.notify_channel_id, "")
        if commit:
            connection.save(
                update_fields=[
                    "notify_channel_id", "notify_channel_name", "notify_reminders",
                    "notify_notifications", "updated_at",
                ]
            )  # fmt: skip
        return connection
