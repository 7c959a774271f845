"""The API's list filters: the rows' FilterSets and the backend that reads the query.

A malformed parameter answers 400 with the parameter's name and the reason, never a 500
and never a silently unfiltered list.
"""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from incidents.filters import DatabaseIdFilter
from incidents.models import Cause, TimelineEvent
from postmortems.models import Review


class TimelineEventFilter(django_filters.FilterSet):
    incident = DatabaseIdFilter(field_name="incident_id", label="The incident's id.")

    class Meta:
        model = TimelineEvent
        fields: list[str] = []


class CauseFilter(django_filters.FilterSet):
    incident = DatabaseIdFilter(field_name="incident_id", label="The incident's id.")

    class Meta:
        model = Cause
        fields: list[str] = []


class ReviewFilter(django_filters.FilterSet):
    postmortem = DatabaseIdFilter(field_name="postmortem_id", label="The postmortem's id.")

    class Meta:
        model = Review
        fields: list[str] = []


def _takes_many(filter_field) -> bool:
    return isinstance(
        filter_field, django_filters.MultipleChoiceFilter | django_filters.BaseCSVFilter
    )


class StrictFilterBackend(DjangoFilterBackend):
    """Filter a list as DjangoFilterBackend does, refusing a single-valued parameter given
    twice (`?status=a&status=b` would otherwise keep only the last, silently)."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) == "list":
            self.refuse_repeated(request, view)
        return super().filter_queryset(request, queryset, view)

    def refuse_repeated(self, request, view) -> None:
        filterset_class = self.get_filterset_class(view, view.get_queryset())
        filters = filterset_class.base_filters if filterset_class else {}
        errors = {
            name: [f"Give {name} once; to match several values, use a filter that takes many."]
            for name in request.query_params
            if len(request.query_params.getlist(name)) > 1
            and not (name in filters and _takes_many(filters[name]))
        }
        if errors:
            raise ValidationError(errors)
