"""Incidents and what hangs off them, a module per aggregate; import them from here.

people (users, teams, services, tags), incident (the incident and who may see it),
timeline, causes, action_items (with their tracker issues), deliveries (reminder emails) and
dashboard (counts the dashboard reads); times holds the time and zone helpers they share. The
record of changes (ChangeRecord) and the owed-delivery base row live in core.models.
"""

# isort: off
# Each module after the ones it imports, so that this order is the order the app registry
# lists the models in (content types, reverse relations); causes import action items.
from incidents.models.times import (
    day_start,
    duration_text,
    started_between,
    validate_time_zone,
    zone_label,
)

from incidents.models.people import Service, Tag, TagQuerySet, Team, User, new_calendar_token
from incidents.models.incident import (
    Incident,
    IncidentQuerySet,
    private_incident_ids,
    private_incident_ids_for,
    rows_visible_to,
    visibility_condition,
)
from incidents.models.timeline import TimelineEvent
from incidents.models.causes import Cause, CauseQuerySet
from incidents.models.action_items import (
    ActionItem,
    ActionItemQuerySet,
    TrackerIssue,
    TrackerIssueQuerySet,
)
from incidents.models.deliveries import ReminderDelivery
from incidents.models.dashboard import OpenItemCount

# isort: on

__all__ = [
    "ActionItem",
    "ActionItemQuerySet",
    "Cause",
    "CauseQuerySet",
    "Incident",
    "IncidentQuerySet",
    "OpenItemCount",
    "ReminderDelivery",
    "Service",
    "Tag",
    "TagQuerySet",
    "Team",
    "TimelineEvent",
    "TrackerIssue",
    "TrackerIssueQuerySet",
    "User",
    "day_start",
    "duration_text",
    "new_calendar_token",
    "private_incident_ids",
    "private_incident_ids_for",
    "rows_visible_to",
    "started_between",
    "validate_time_zone",
    "visibility_condition",
    "zone_label",
]
