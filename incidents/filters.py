"""django-filter filter sets: the incident list (authoring) and the action items board."""

# --- Incident list filters (authoring) ---
import re as _re

import django_filters
from django import forms as _forms
from django.db.models import Q as _Q

from incidents.models import Incident as _Incident
from incidents.models import Service as _Service
from incidents.models import Team as _Team

_REFERENCE = _re.compile(r"^\s*(?:INC-?)?(\d+)\s*$", _re.IGNORECASE)


class IncidentFilter(django_filters.FilterSet):
    """Filter the incident list: search by title or reference, then narrow down."""

    q = django_filters.CharFilter(label="Search", method="search")
    status = django_filters.ChoiceFilter(choices=_Incident.Status.choices, empty_label="Any")
    severity = django_filters.ChoiceFilter(
        choices=[(value, value) for value in _Incident.Severity.values], empty_label="Any"
    )
    service = django_filters.ModelChoiceFilter(
        field_name="services", queryset=_Service.objects.all(), empty_label="Any"
    )
    team = django_filters.ModelChoiceFilter(queryset=_Team.objects.all(), empty_label="Any")
    started_after = django_filters.DateFilter(
        field_name="started_at",
        lookup_expr="date__gte",
        label="Started on or after",
        widget=_forms.DateInput(attrs={"type": "date"}),
    )
    started_before = django_filters.DateFilter(
        field_name="started_at",
        lookup_expr="date__lte",
        label="Started on or before",
        widget=_forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = _Incident
        fields = ["q", "status", "severity", "service", "team", "started_after", "started_before"]

    def search(self, queryset, name, value):
        """Match a reference such as INC-3 (or 3) exactly, else words in the title."""
        match = _REFERENCE.match(value)
        condition = _Q(title__icontains=value.strip())
        if match:
            condition |= _Q(pk=int(match.group(1)))
        return queryset.filter(condition)


# --- end authoring ---


# --- Action items board filters (tracking) ---
# --- end tracking ---
