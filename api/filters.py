"""The API's list filters: the rows' FilterSets and the backend that reads the query.

A malformed parameter answers 400 with the parameter's name and the reason, never a 500
and never a silently unfiltered list.
"""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from incidents.filters import (
    ActionItemFilter,
    DatabaseIdFilter,
    IncidentReferenceFilter,
    StrictBooleanFilter,
)
from incidents.models import Cause, TimelineEvent
from postmortems.models import Review


class TimelineEventFilter(django_filters.FilterSet):
    incident = IncidentReferenceFilter()

    class Meta:
        model = TimelineEvent
        fields: list[str] = []


class CauseFilter(django_filters.FilterSet):
    incident = IncidentReferenceFilter()

    class Meta:
        model = Cause
        fields: list[str] = []


class ReviewFilter(django_filters.FilterSet):
    incident = IncidentReferenceFilter(field_name="postmortem__incident_id")
    postmortem = DatabaseIdFilter(field_name="postmortem_id", label="The postmortem's id.")

    class Meta:
        model = Review
        fields: list[str] = []


class ActionItemApiFilter(ActionItemFilter):
    """The board's filters, and the incident an item belongs to (the board's search finds
    an incident's items by reference as well)."""

    incident = IncidentReferenceFilter()
    # The board's checkboxes read any word as ticked; here a word that is not a boolean
    # is refused with the parameter's name.
    mine = StrictBooleanFilter(method="filter_mine", label="Only mine")
    overdue = StrictBooleanFilter(method="filter_overdue", label="Overdue")


def _takes_many(filter_field) -> bool:
    return isinstance(
        filter_field, django_filters.MultipleChoiceFilter | django_filters.BaseCSVFilter
    )


class StrictFilterBackend(DjangoFilterBackend):
    """Filter a list as DjangoFilterBackend does, refusing what it would silently ignore.

    A parameter the list does not know (`?incident=3` where there is no such filter) would
    return every row as if filtered; a single-valued one given twice would keep the last.
    Both answer 400, naming the parameters the list takes.
    """

    # Read by the pagination, DRF's format suffix and the other backends, not the FilterSet.
    always_accepted = ("format",)

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) == "list":
            self.refuse_unknown_or_repeated(request, view)
        return super().filter_queryset(request, queryset, view)

    def accepted_parameters(self, view) -> dict:
        """Return the list's query parameters by name: its filters, then the paging ones."""
        filterset_class = self.get_filterset_class(view, view.get_queryset())
        accepted = dict(filterset_class.base_filters) if filterset_class else {}
        paginator = getattr(view, "paginator", None)
        for name in (
            getattr(paginator, "cursor_query_param", None),
            getattr(paginator, "page_size_query_param", None),
            *self.always_accepted,
        ):
            if name:
                accepted.setdefault(name, None)
        return accepted

    def refuse_unknown_or_repeated(self, request, view) -> None:
        accepted = self.accepted_parameters(view)
        names = ", ".join(sorted(accepted))
        errors = {}
        for name in request.query_params:
            if name not in accepted:
                errors[name] = [f"This list has no parameter {name}; it takes: {names}."]
            elif len(request.query_params.getlist(name)) > 1 and not _takes_many(accepted[name]):
                errors[name] = [f"Give {name} once; it takes one value."]
        if errors:
            raise ValidationError(errors)
