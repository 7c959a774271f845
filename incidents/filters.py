"""django-filter filter sets: the incident list (authoring) and the action items board."""

import re
from datetime import timedelta

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse_lazy
from django.utils import timezone
from django_filters import fields as filter_fields
from drf_spectacular.utils import extend_schema_field

from incidents import text_search
from incidents.models import ActionItem, Cause, Incident, Service, Tag, Team


def tagged_with(tags) -> Q:
    """Return the condition of an incident tagged with any of these tags, itself or on one
    of its causes.

    EXISTS rather than joins, so that an incident tagged twice is still one row.
    """
    on_incident = Incident.tags.through.objects.filter(incident_id=OuterRef("pk"), tag__in=tags)
    on_cause = Cause.tags.through.objects.filter(cause__incident_id=OuterRef("pk"), tag__in=tags)
    return Q(Exists(on_incident)) | Q(Exists(on_cause))


def tags_seen(request) -> QuerySet:
    """Return the tags a filter offers and accepts: those the requester may see.

    A filter set made without a request offers only what anyone may see.
    """
    user = getattr(request, "user", None) or AnonymousUser()
    return Tag.objects.visible_to(user)


class NamedChoiceIterator(filter_fields.ModelChoiceIterator):
    """Offer a filter's rows as (id, name) pairs read with values_list.

    A filter form offers a hundred services, forty teams and every tag on each list page;
    a model instance per option was a tenth of the incident list's work. Validation still
    goes through the field's queryset.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        yield from self.queryset.values_list("pk", "name")


class NamedModelChoiceField(filter_fields.ModelChoiceField):
    iterator = NamedChoiceIterator


class NamedModelMultipleChoiceField(filter_fields.ModelMultipleChoiceField):
    iterator = NamedChoiceIterator


class NamedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A ModelChoiceFilter over rows with a name, offered by name (NamedChoiceIterator)."""

    field_class = NamedModelChoiceField


class NamedModelMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = NamedModelMultipleChoiceField


# --- Incident list filters (authoring) ---
_REFERENCE = re.compile(r"^\s*(?:INC-?)?(\d+)\s*$", re.IGNORECASE)


def referenced_pk(text: str) -> int | None:
    """Return the id of the incident the text names by reference ("INC-3", "3"), if any."""
    match = _REFERENCE.match(text)
    return int(match.group(1)) if match else None


# PostgreSQL's integer, the type of every id: a larger number is refused by the form with
# the field's name, rather than by the database with "integer out of range" (a 500).
DATABASE_ID_MAX = 2_147_483_647


class DatabaseIdField(forms.IntegerField):
    """An id as the database can hold it: a whole number from 1 to 2,147,483,647."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=DATABASE_ID_MAX, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": DATABASE_ID_MAX})
class DatabaseIdFilter(django_filters.NumberFilter):
    """Filter by the id of a related row (`field_name`), checked against the id range."""

    field_class = DatabaseIdField


class StrictBooleanField(forms.Field):
    """true or false (also 1/0, yes/no, on/off); anything else is refused, not ignored.

    django-filter's own boolean field reads an unknown word as "not given", so a typo
    (`?overdue=ture`) returned the whole list as if filtered.
    """

    widget = forms.TextInput
    default_error_messages = {"invalid": "Give true or false."}
    TRUE = frozenset({"true", "1", "yes", "on"})
    FALSE = frozenset({"false", "0", "no", "off"})

    def to_python(self, value) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if not text:
            return None
        if text in self.TRUE | self.FALSE:
            return text in self.TRUE
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IncidentReferenceField(forms.CharField):
    """An incident named by id (12) or reference (INC-12), cleaned to its id."""

    default_error_messages = {
        "invalid": "Give the incident's id (12) or its reference (INC-12).",
    }

    def clean(self, value) -> int | None:
        text = super().clean(value)
        if not text:
            return None
        pk = referenced_pk(text)
        if pk is None or not 1 <= pk <= DATABASE_ID_MAX:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return pk


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^\s*(?:[Ii][Nn][Cc]-?)?[0-9]+\s*$",
        "description": "The incident, by id (12) or reference (INC-12).",
    }
)
class IncidentReferenceFilter(django_filters.Filter):
    """Keep the rows of one incident, named by id or reference (`field_name`: its id)."""

    field_class = IncidentReferenceField

    def __init__(self, field_name: str = "incident_id", **kwargs):
        kwargs.setdefault("label", "Incident (id or reference, e.g. INC-12)")
        super().__init__(field_name=field_name, **kwargs)


class IncidentFilter(django_filters.FilterSet):
    """Filter the incident list: search by title or reference, then narrow down."""

    q = django_filters.CharFilter(label="Search", method="search")
    status = django_filters.ChoiceFilter(choices=Incident.Status.choices, empty_label="Any")
    severity = django_filters.ChoiceFilter(
        choices=[(value, value) for value in Incident.Severity.values], empty_label="Any"
    )
    service = NamedModelChoiceFilter(
        field_name="services",
        queryset=Service.objects.all(),
        empty_label="Any",
        widget=forms.Select(attrs={"data-picker": "service"}),
    )
    team = NamedModelChoiceFilter(queryset=Team.objects.all(), empty_label="Any")
    tag = NamedModelMultipleChoiceFilter(
        field_name="tags",  # for the API schema; filter_tags does the filtering
        queryset=tags_seen,
        label="Tags",
        method="filter_tags",
        widget=forms.SelectMultiple(attrs={"data-picker": "tag"}),
    )
    started_after = django_filters.DateFilter(
        method="filter_started_after",
        label="Started on or after",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    started_before = django_filters.DateFilter(
        method="filter_started_before",
        label="Started on or before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Incident
        fields = [
            "q",
            "status",
            "severity",
            "service",
            "team",
            "tag",
            "started_after",
            "started_before",
        ]

    def search(self, queryset, name, value):
        """Match a reference such as INC-3 (or 3) exactly, else the text (text_search)."""
        condition = text_search.incident_matches(value)
        reference = referenced_pk(value)
        if reference is not None:
            condition |= Q(pk=reference)
        return queryset.filter(condition)

    def filter_tags(self, queryset, name, value):
        """Keep incidents tagged with any of these tags, on themselves or on a cause."""
        return queryset.filter(tagged_with(value)) if value else queryset

    def filter_started_after(self, queryset, name, value):
        return queryset.started_between(start=value)

    def filter_started_before(self, queryset, name, value):
        return queryset.started_between(end=value)


# --- end authoring ---


# --- Action items board filters (tracking) ---
class ActionItemFilter(django_filters.FilterSet):
    """Every filter a manager needs on the board; the URL carries them all."""

    q = django_filters.CharFilter(method="filter_text", label="Search")
    # distinct=False: these are columns of the item or its incident, never a to-many join,
    # and DISTINCT over 100,000 rows is the slowest part of the page.
    status = django_filters.MultipleChoiceFilter(
        choices=ActionItem.Status.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    # A username, offered through the board's <datalist>: a <select> of every user would
    # cost more to render than the rest of the page.
    owner = django_filters.CharFilter(
        field_name="owner__username",
        label="Owner",
        # The people picker (static/js/pickers.js) fetches the names when it opens.
        widget=forms.TextInput(
            attrs={
                "list": "owner-names",
                "autocomplete": "off",
                "data-picker": "people",
                "data-options-url": reverse_lazy("incidents:action_item_owner_options"),
            }
        ),
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine", label="Only mine", widget=forms.CheckboxInput
    )
    team = NamedModelChoiceFilter(
        field_name="incident__team", queryset=Team.objects.all(), label="Team"
    )
    service = NamedModelChoiceFilter(
        field_name="incident__services",
        queryset=Service.objects.all(),
        label="Service",
        distinct=True,
    )
    severity = django_filters.MultipleChoiceFilter(
        field_name="incident__severity",
        choices=[(value, value) for value in Incident.Severity.values],
        label="Incident severity",
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    tag = NamedModelMultipleChoiceFilter(
        field_name="incident__tags",  # for the API schema; filter_tags does the filtering
        queryset=tags_seen,
        label="Tags",
        method="filter_tags",
        widget=forms.SelectMultiple(attrs={"data-picker": "tag"}),
    )
    kind = django_filters.ChoiceFilter(choices=ActionItem.Kind.choices)
    priority = django_filters.ChoiceFilter(choices=ActionItem.Priority.choices)
    due_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label="Due on or after",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label="Due on or before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Overdue", widget=forms.CheckboxInput
    )
    due_within = django_filters.NumberFilter(
        method="filter_due_within", label="Due within (days)", min_value=0, max_value=3650
    )
    tracker = django_filters.ChoiceFilter(
        method="filter_tracker",
        label="Tracker issue",
        choices=[
            ("closed_open_here", "Closed in tracker but open here"),
            ("none", "No issue yet"),
            ("linked", "Linked"),
        ],
        empty_label="Any",
    )
    incident_from = django_filters.DateFilter(
        method="filter_incident_from", label="Incident from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    incident_to = django_filters.DateFilter(
        method="filter_incident_to", label="Incident to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    sort = django_filters.OrderingFilter(
        fields=(
            ("due_date", "due"),
            ("priority", "priority"),
            ("status", "status"),
            ("title", "title"),
            ("owner__username", "owner"),
            ("incident__severity", "severity"),
            ("incident__started_at", "incident"),
        ),
        label="Sort by",
    )

    class Meta:
        model = ActionItem
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        reference = value.upper().removeprefix("INC-")
        match = text_search.action_item_matches(value)
        if reference.isdigit():
            match |= Q(incident_id=int(reference))
        return queryset.filter(match)

    def filter_tags(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """Keep items whose incident, or a cause they address, has any of these tags."""
        if not value:
            return queryset
        on_incident = Incident.tags.through.objects.filter(
            incident_id=OuterRef("incident_id"), tag__in=value
        )
        addressed = Cause.tags.through.objects.filter(
            cause__action_items=OuterRef("pk"), tag__in=value
        )
        return queryset.filter(Q(Exists(on_incident)) | Q(Exists(addressed)))

    def filter_incident_from(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.of_incidents_started_between(start=value)

    def filter_incident_to(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.of_incidents_started_between(end=value)

    def filter_mine(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(owner=self.request.user) if value else queryset

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.overdue(timezone.localdate()) if value else queryset

    def filter_tracker(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return {
            "closed_open_here": queryset.closed_in_tracker,
            "none": queryset.without_tracker_issue,
            "linked": queryset.with_tracker_issue,
        }[value]()

    def filter_due_within(self, queryset: QuerySet, name: str, value) -> QuerySet:
        today = timezone.localdate()
        return queryset.open().filter(due_date__lte=today + timedelta(days=int(value)))


# --- end tracking ---
