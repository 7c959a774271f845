"""Forms of the chat pages: a connection, and the import of a channel's messages."""

from django import forms

from chat.clients import Channel
from chat.importing import Offered, default_range
from chat.models import ChatConnection
from core import crypto
from incidents.forms import DATETIME_INPUT, WallClockField, _in_zone, _local_input
from incidents.models import Incident, TimelineEvent, zone_label


class ConnectionForm(forms.ModelForm):
    """A new connection, or new secrets for one; secrets are never shown back."""

    bot_token = forms.CharField(
        widget=forms.PasswordInput, required=False,
        help_text="Slack: the Bot User OAuth Token (xoxb-…). Mattermost: the bot's access token.",
    )  # fmt: skip
    signing_secret = forms.CharField(
        widget=forms.PasswordInput, required=False,
        help_text="Slack only: Basic Information → App Credentials → Signing Secret.",
    )  # fmt: skip
    server_url = forms.URLField(
        label="Server URL", assume_scheme="https", required=False, max_length=300,
        help_text="Mattermost only, e.g. https://chat.example.com.",
    )  # fmt: skip
    command_token = forms.CharField(
        widget=forms.PasswordInput, required=False,
        help_text="Mattermost only: the token of the /postmortem slash command.",
    )  # fmt: skip

    class Meta:
        model = ChatConnection
        fields = ["team", "kind", "name", "workspace_id", "server_url", "pin_reaction"]
        help_texts = {
            "workspace_id": "Slack: left empty, it is read from the token. Mattermost: the "
            "team's ID (System Console or the team's URL settings).",
        }

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        if self.instance.pk:
            del self.fields["team"], self.fields["kind"]

    def clean_pin_reaction(self):
        return self.cleaned_data["pin_reaction"].strip().strip(":")

    def clean(self):
        data = super().clean()
        if not crypto.is_configured():
            raise forms.ValidationError("Set TRACKER_ENCRYPTION_KEYS to store chat tokens.")
        kind = data.get("kind") or self.instance.kind
        new = not self.instance.pk
        if new and not data.get("bot_token"):
            self.add_error("bot_token", "Give the bot's token.")
        if kind == ChatConnection.Kind.SLACK and new and not data.get("signing_secret"):
            self.add_error("signing_secret", "Give the Slack app's signing secret.")
        if kind == ChatConnection.Kind.MATTERMOST:
            if not data.get("server_url"):
                self.add_error("server_url", "Give the Mattermost server's URL.")
            if not data.get("workspace_id"):
                self.add_error("workspace_id", "Give the Mattermost team's ID.")
            if new and not data.get("command_token"):
                self.add_error("command_token", "Give the slash command's token.")
        return data

    def save(self, commit: bool = True) -> ChatConnection:
        connection = super().save(commit=False)
        data = self.cleaned_data
        if data.get("bot_token"):
            connection.set_bot_token(data["bot_token"].strip())
        if data.get("signing_secret"):
            connection.set_signing_secret(data["signing_secret"].strip())
        if data.get("command_token"):
            connection.set_command_token(data["command_token"].strip())
        if commit:
            connection.save()
        return connection


class ChannelForm(forms.Form):
    """Where and when to read: a connection, one of its channels, a range in the incident's zone."""

    connection = forms.ModelChoiceField(queryset=ChatConnection.objects.none(), empty_label=None)
    # Checked by the chat service itself (channel_not_found), not against a list.
    channel = forms.CharField(required=False, widget=forms.Select)
    since = WallClockField(label="From", widget=DATETIME_INPUT)
    until = WallClockField(label="To", widget=DATETIME_INPUT)

    def __init__(self, *args, incident: Incident, connections, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident
        self.fields["connection"].queryset = connections
        since, until = default_range(incident)
        self.fields["since"].initial = _local_input(since, incident.time_zone)
        self.fields["until"].initial = _local_input(until, incident.time_zone)
        note = f"In {zone_label(incident.time_zone)}, the incident's zone."
        self.fields["since"].help_text = self.fields["until"].help_text = note

    def offer_channels(self, channels: list[Channel], *, chosen: str = "") -> None:
        self.fields["channel"].widget.choices = [("", "Pick a channel")] + [
            (c.id, f"{'🔒 ' if c.is_private else '#'}{c.name}") for c in channels
        ]
        if chosen and not self.is_bound:
            self.fields["channel"].initial = chosen

    def clean_since(self):
        return _in_zone(self.cleaned_data["since"], self.incident.time_zone)

    def clean_until(self):
        return _in_zone(self.cleaned_data["until"], self.incident.time_zone)

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since >= until:
            self.add_error("until", "Give a time after the start of the range.")
        return data


class MessagesForm(forms.Form):
    """A tick, a text and a kind for each message offered; keyed by the message's id."""

    def __init__(self, *args, offered: list[Offered], **kwargs):
        super().__init__(*args, **kwargs)
        self.offered = offered
        for item in offered:
            key = item.key
            self.fields[f"pick-{key}"] = forms.BooleanField(
                required=False, initial=item.ticked, disabled=item.imported
            )
            self.fields[f"text-{key}"] = forms.CharField(
                required=False,
                initial=item.text,
                widget=forms.Textarea(attrs={"rows": 2, "aria-label": "Entry text"}),
            )
            self.fields[f"kind-{key}"] = forms.ChoiceField(
                choices=TimelineEvent.Kind.choices,
                initial=TimelineEvent.Kind.COMMUNICATION,
                required=False,
                widget=forms.Select(attrs={"aria-label": "Kind"}),
            )

    def rows(self):
        """Return (offered, tick, text, kind) for the template, in the offered order."""
        return [
            (item, self[f"pick-{item.key}"], self[f"text-{item.key}"], self[f"kind-{item.key}"])
            for item in self.offered
        ]

    def clean(self):
        data = super().clean()
        picked = [item for item in self.offered if data.get(f"pick-{item.key}")]
        if not picked:
            raise forms.ValidationError("Tick at least one message to add to the timeline.")
        for item in picked:
            if not (data.get(f"text-{item.key}") or "").strip():
                self.add_error(f"text-{item.key}", "Give the entry a text, or untick it.")
        return data

    def picked(self) -> list[tuple[Offered, str, str]]:
        data = self.cleaned_data
        return [
            (
                item,
                data[f"text-{item.key}"].strip(),
                data.get(f"kind-{item.key}") or TimelineEvent.Kind.COMMUNICATION,
            )
            for item in self.offered
            if data.get(f"pick-{item.key}")
        ]
