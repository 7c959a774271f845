"""An index backs every filter of the action items board and the incident list.

A new filter fails here until its column has an index, or until it says which column its
method filters on.
"""

import pytest
from django.db import models

from incidents.filters import ActionItemFilter, IncidentFilter

# Filters that build their condition in a method, and the column that condition leads with.
METHOD_COLUMNS = {
    (ActionItemFilter, "mine"): "owner",
    (ActionItemFilter, "overdue"): "status",  # status IN (open ones) AND due_date < today
    (ActionItemFilter, "due_within"): "status",
    (ActionItemFilter, "incident_from"): "incident__started_at",
    (ActionItemFilter, "incident_to"): "incident__started_at",
    (ActionItemFilter, "tracker"): "tracker_issue__state",  # a join on the issue, by state
    (IncidentFilter, "started_after"): "started_at",
    (IncidentFilter, "started_before"): "started_at",
    # EXISTS on the tags' many-to-many tables, whose rows are indexed on both sides.
    (ActionItemFilter, "tag"): "incident__tags",
    (IncidentFilter, "tag"): "tags",
}
# Free text is ILIKE '%…%', which no B-tree index serves; sorting is not a filter.
NOT_INDEXED = {(ActionItemFilter, "q"), (IncidentFilter, "q"), (ActionItemFilter, "sort")}


def _column(model: type[models.Model], path: str) -> tuple[type[models.Model], models.Field]:
    *hops, last = path.split("__")
    for hop in hops:
        model = model._meta.get_field(hop).related_model
    return model, model._meta.get_field(last)


def _is_indexed(model: type[models.Model], field: models.Field) -> bool:
    if field.primary_key or field.unique or field.many_to_many or field.db_index:
        return True  # ForeignKeys have db_index; a many-to-many's table indexes both sides
    return any(index.fields and index.fields[0] == field.name for index in model._meta.indexes)


@pytest.mark.parametrize("filterset", [ActionItemFilter, IncidentFilter])
def test_every_filter_is_backed_by_an_index(filterset):
    unindexed = []
    for name, declared in filterset.base_filters.items():
        if (filterset, name) in NOT_INDEXED:
            continue
        path = METHOD_COLUMNS[(filterset, name)] if declared.method else declared.field_name
        model, field = _column(filterset._meta.model, path)
        if not _is_indexed(model, field):
            unindexed.append(f"{name} ({model.__name__}.{field.name})")
    assert unindexed == []
