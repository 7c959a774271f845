"""Forms of the incident page. Times are typed in a chosen zone and stored in UTC."""

from datetime import UTC, date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Q
from django.utils import timezone

from core.text import NewlinesNormalisedForm
from core.zones import zone_choices, zone_or_none
from incidents.models import ActionItem, Cause, Incident, TimelineEvent, User, zone_label
from incidents.permissions import can_view_incident
from incidents.tags import check_name, split_names, tag_names

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ZoneField(forms.ChoiceField):
    """A pick of an IANA zone: canonical names with their offset, the person's own first.

    An alias that is still a valid zone (Africa/Asmera, kept by old incidents) is accepted,
    so that saving such an incident does not force a change of its zone.
    """

    def valid_value(self, value) -> bool:
        return super().valid_value(value) or bool(value and zone_or_none(str(value)))


def _offer_zones(field: forms.Field, *, keep: str | None) -> None:
    """Give a zone field its choices, listed when the form is shown or checked.

    Not before: offsets change with daylight saving time, and most forms built for a page
    (the incident page's add forms, for a reader who may not edit) are never shown.
    """
    field.choices = partial(zone_choices, first=timezone.get_current_timezone_name(), keep=keep)


def _zone_note(zone_name: str) -> str:
    return f"Read in {zone_label(zone_name)}, the zone chosen above."


def _local_input(moment: datetime | None, zone: str) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


class WallClockField(forms.DateTimeField):
    """A date and time as typed, in no zone yet: the form's own zone field says which.

    Django's field would read it in the reader's zone, and refuse a time that falls in that
    zone's daylight-saving gap even when the chosen zone has none.
    """

    def to_python(self, value):
        with timezone.override(UTC):
            moment = super().to_python(value)
        return timezone.make_naive(moment, UTC) if moment else moment


def _in_zone(moment: datetime | None, zone_name: str) -> datetime | None:
    """Read a typed wall-clock time as a time in the zone; refuse one that never happened."""
    if moment is None:
        return None
    naive = timezone.make_naive(moment, UTC) if timezone.is_aware(moment) else moment
    zone = ZoneInfo(zone_name)
    aware = naive.replace(tzinfo=zone)
    try:
        round_trip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    except OverflowError:  # the first or last hours of year 1 or 9999, off by the offset
        raise forms.ValidationError(
            "That date is too far from today to be an incident time."
        ) from None
    if round_trip != naive:
        raise forms.ValidationError(
            "%(moment)s never happened in %(zone)s: the clocks skipped that hour for "
            "daylight saving time. Check the time, or pick the zone it was written in.",
            params={"moment": f"{naive:%Y-%m-%d %H:%M}", "zone": zone_label(zone_name)},
        )
    return aware


def offer_resave(form: forms.BaseForm, current_version: int, message: str) -> None:
    """After a save refused as stale: keep the person's text, say so, and move the form to
    the current version, so that saving again is a deliberate choice to replace theirs."""
    data = form.data.copy()
    data[form.add_prefix("version")] = current_version
    form.data = data
    form.add_error(None, message)


class TagNamesField(forms.CharField):
    """Tags typed as names, comma-separated; a name no tag has yet makes a new tag."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", "Separate tags with commas; a name not used yet makes a new tag."
        )
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, str) or value is None:
            return value
        return tag_names(value)  # the instance's tags, when the form is first shown

    def to_python(self, value) -> list[str]:
        names = split_names(super().to_python(value) or "")
        errors = []
        for name in names:
            try:
                check_name(name)
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return names


class VersionedForm(NewlinesNormalisedForm, forms.ModelForm):
    """A model form carrying the version it was loaded at, for optimistic locking."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class IncidentForm(VersionedForm):
    TIME_FIELDS = ("started_at", "detected_at", "mitigated_at", "resolved_at")

    time_zone = ZoneField(initial="UTC", widget=forms.Select(attrs={"data-picker": "zone"}))
    tags = TagNamesField()

    class Meta:
        model = Incident
        fields = [
            "title",
            "severity",
            "status",
            "time_zone",
            "started_at",
            "detected_at",
            "mitigated_at",
            "resolved_at",
            "users_affected",
            "commander",
            "team",
            "services",
            "tags",
            "is_private",
            "allowed_users",
            "allowed_teams",
        ]
        widgets = {
            name: DATETIME_INPUT
            for name in ("started_at", "detected_at", "mitigated_at", "resolved_at")
        }
        field_classes = {
            name: WallClockField
            for name in ("started_at", "detected_at", "mitigated_at", "resolved_at")
        }
        help_texts = {
            "time_zone": "The times below are read in this zone. GMT+2 is Etc/GMT-2.",
            "allowed_users": "Used only when Private is ticked. Whoever creates or "
            "commands the incident may always see it.",
            "allowed_teams": "Their members and managers may see it.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["version"].required = False
        else:
            self.fields["version"].initial = self.instance.version
            for name in self.TIME_FIELDS:
                self.initial[name] = _local_input(
                    getattr(self.instance, name), self.instance.time_zone
                )
        self.fields["commander"].queryset = User.objects.order_by("username")
        self.fields["commander"].widget.attrs["data-picker"] = "person"
        self.fields["services"].required = False
        # Active people, and anyone already allowed, so that saving does not drop them.
        allowed = Q(is_active=True)
        if self.instance.pk:
            allowed |= Q(pk__in=self.instance.allowed_users.values("pk"))
        self.fields["allowed_users"].queryset = User.objects.filter(allowed).order_by("username")
        self.fields["services"].widget.attrs["data-picker"] = "service"
        zone = self.data.get("time_zone") or self.initial.get("time_zone") or "UTC"
        _offer_zones(self.fields["time_zone"], keep=self.instance.time_zone)
        for name in self.TIME_FIELDS:
            # incident.js keeps this in step with the zone picked above.
            self.fields[name].help_text = _zone_note(zone if zone_or_none(zone) else "UTC")
            self.fields[name].widget.attrs["data-zone-note"] = "time_zone"

    def clean(self):
        data = super().clean()
        zone = data.get("time_zone") or "UTC"
        for name in self.TIME_FIELDS:
            if name in data:
                try:
                    data[name] = _in_zone(data[name], zone)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return data


def _plain_text(rows: int, required: bool = True) -> forms.CharField:
    # The incident page has no live preview; a plain textarea keeps its forms compact.
    return forms.CharField(required=required, widget=forms.Textarea(attrs={"rows": rows}))


class RowForm(NewlinesNormalisedForm, forms.ModelForm):
    """A form for one row of the incident page (event, cause, action item).

    It carries the row's version so that a save over someone else's newer edit is refused.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.incident = incident
        if self.instance.pk:
            # Edit forms sit on the page next to the add form: keep their ids apart.
            self.prefix = f"{self.prefix}-{self.instance.pk}"
            self.fields["version"].initial = self.instance.version
            # The edit form replaces the row (and the Edit link that had the focus): put the
            # keyboard in its first field, which htmx honours on swap.
            first = next(name for name, field in self.fields.items() if not field.widget.is_hidden)
            self.fields[first].widget.attrs["autofocus"] = True

    def expected_version(self) -> int:
        """The version this form was loaded at (the current one for a form without it)."""
        return self.cleaned_data.get("version") or self.instance.version

    def service_data(self) -> dict:
        """The model fields the form edits, without the version it carries."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class TimelineEventForm(RowForm):
    prefix = "event"
    description = _plain_text(2)

    entry_zone = ZoneField(
        label="Time zone",
        help_text="The zone the time is typed in; it is stored in UTC.",
        widget=forms.Select(attrs={"data-picker": "zone"}),
    )

    class Meta:
        model = TimelineEvent
        fields = ["occurred_at", "entry_zone", "kind", "is_dead_end", "description"]
        labels = {"occurred_at": "Time"}
        field_classes = {"occurred_at": WallClockField}
        widgets = {
            "occurred_at": DATETIME_INPUT,
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, incident=incident, **kwargs)
        self.fields["entry_zone"].initial = incident.time_zone
        _offer_zones(self.fields["entry_zone"], keep=incident.time_zone)
        zone = self.data.get(self.add_prefix("entry_zone")) or incident.time_zone
        occurred = self.fields["occurred_at"]
        occurred.help_text = (
            f"Read in {zone_label(zone if zone_or_none(zone) else incident.time_zone)}, "
            "the zone chosen below."
        )
        occurred.widget.attrs["data-zone-note"] = self.add_prefix("entry_zone")
        if self.instance.pk:
            self.initial["occurred_at"] = _local_input(
                self.instance.occurred_at, incident.time_zone
            )
        elif not self.is_bound and incident.started_at:
            # Most events are typed on the incident's day: start from its date.
            self.initial["occurred_at"] = _local_input(incident.started_at, incident.time_zone)

    def clean(self):
        data = super().clean()
        if data.get("occurred_at") is None:
            return data
        if not data.get("entry_zone"):
            # The typed time is a wall-clock time: without its zone it is no moment at all.
            self.add_error("occurred_at", "Pick the time zone this time was written in.")
            return data
        try:
            data["occurred_at"] = _in_zone(data["occurred_at"], data["entry_zone"])
        except forms.ValidationError as error:
            self.add_error("occurred_at", error)
        else:
            self.instance.occurred_at = data["occurred_at"]
        return data

    def service_data(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("occurred_at", "kind", "is_dead_end", "description")
        }


class CauseForm(RowForm):
    prefix = "cause"
    description = _plain_text(3)
    resolution = _plain_text(2, required=False)
    tags = TagNamesField()

    class Meta:
        model = Cause
        fields = ["role", "category", "description", "resolution", "tags"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "resolution": forms.Textarea(attrs={"rows": 2}),
        }


class CauseChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Cause) -> str:
        return f"{obj.get_role_display()}: {obj.label}"


class ActionItemForm(RowForm):
    prefix = "item"
    description = _plain_text(2, required=False)
    causes = CauseChoiceField(
        queryset=Cause.objects.none(),
        required=False,
        label="Addresses",
        widget=forms.CheckboxSelectMultiple,
        help_text="The causes of this incident the item fixes, contains or catches.",
        error_messages={"invalid_choice": "Pick causes of this incident."},
    )

    class Meta:
        model = ActionItem
        fields = [
            "title",
            "kind",
            "priority",
            "owner",
            "due_date",
            "status",
            "causes",
            "description",
        ]
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "owner": {"invalid_choice": "Pick an owner from the list of users."},
        }

    def __init__(self, *args, incident: Incident, today: date, **kwargs):
        super().__init__(*args, incident=incident, **kwargs)
        self.today = today
        self.fields["owner"].queryset = User.objects.order_by("username")
        self.fields["owner"].widget.attrs["data-picker"] = "person"
        # Only this incident's causes can be chosen: another incident's id is invalid.
        self.fields["causes"].queryset = incident.causes.all()
        if not incident.causes.all():
            del self.fields["causes"]
        due = self.fields["due_date"]
        due.widget.attrs["data-today"] = today.isoformat()
        due.help_text = "A date before today is kept, and the item shows as already overdue."

    def clean_due_date(self):
        due = self.cleaned_data.get("due_date")
        if due and due < self.today and self.is_open_status():
            # Accepted: items are often written down after their date has passed.
            # The bound field copied the help text when it was made: change it there.
            self[
                "due_date"
            ].help_text = (
                f"Already overdue: {due:%d %b %Y} is before today ({self.today:%d %b %Y})."
            )
        return due

    def clean_owner(self):
        owner = self.cleaned_data.get("owner")
        if owner is not None and not can_view_incident(owner, self.instance.incident):
            raise forms.ValidationError(
                "%(owner)s may not see this private incident; add them to the people who "
                "may see it first.",
                params={"owner": owner},
            )
        return owner

    def is_open_status(self) -> bool:
        return self.data.get(self.add_prefix("status"), ActionItem.Status.OPEN) in (
            ActionItem.OPEN_STATUSES
        )

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.fields}


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])


class AccountSettingsForm(forms.ModelForm):
    """A person's own settings: where reminders go, how often, and the zone times read in."""

    class Meta:
        model = User
        fields = ["email", "time_zone", "reminder_frequency"]
        help_texts = {
            "reminder_frequency": "Weekly reminders go out on Mondays.",
            "time_zone": "An IANA name such as Europe/Berlin or America/New_York; type a city.",
        }
        # A text field with suggestions: typing "Berlin" beats scrolling 600 options, and a
        # mistyped name comes back in the field with the reason.
        widgets = {
            "time_zone": forms.TextInput(
                attrs={"list": "time-zone-names", "autocomplete": "off", "data-picker": "zone"}
            )
        }
