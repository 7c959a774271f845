"""Turn an incident's structured data into the postmortem document, in a chosen layout.

Adding a layout is one template under templates/postmortems/layouts/ and one
register_layout() line below.
"""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from incidents.models import ActionItem, Cause, Incident, TimelineEvent, duration_text, zone_label
from postmortems.models import Postmortem


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    template: str


LAYOUTS: dict[str, Layout] = {}


def register_layout(key: str, label: str, template: str) -> None:
    """Make a section layout available to every postmortem."""
    LAYOUTS[key] = Layout(key, label, template)


register_layout(
    "classic",
    "Classic: issue summary, root cause, timeline, measures",
    "postmortems/layouts/classic.html",
)
register_layout(
    "sre",
    "Google SRE: summary, impact, root causes, trigger, action items table",
    "postmortems/layouts/sre.html",
)

DEFAULT_LAYOUT = "classic"


def layout_for(postmortem: Postmortem | None) -> Layout:
    key = postmortem.layout if postmortem else DEFAULT_LAYOUT
    return LAYOUTS.get(key, LAYOUTS[DEFAULT_LAYOUT])


def clock(moment: datetime) -> str:
    """Return a wall-clock time as the example writes it: '9:00 AM'."""
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


@dataclass
class TimelineRow:
    event: TimelineEvent
    local: datetime
    clock: str
    new_day: bool


@dataclass
class PostmortemDocument:
    incident: Incident
    postmortem: Postmortem | None
    layout: Layout
    zone_label: str
    started: datetime | None
    resolved: datetime | None
    duration: str
    timeline: list[TimelineRow] = field(default_factory=list)
    root_causes: list[Cause] = field(default_factory=list)
    contributing: list[Cause] = field(default_factory=list)
    measures: list[ActionItem] = field(default_factory=list)

    @property
    def start_clock(self) -> str:
        return clock(self.started) if self.started else ""

    @property
    def end_clock(self) -> str:
        return clock(self.resolved) if self.resolved else ""

    @property
    def multi_day(self) -> bool:
        return bool(self.started and self.resolved and self.started.date() != self.resolved.date())

    @property
    def resolution(self) -> str:
        """Return the narrative resolution, or the causes' own resolutions when none is written."""
        if self.postmortem and self.postmortem.resolution:
            return self.postmortem.resolution
        return "\n\n".join(
            c.resolution for c in self.root_causes + self.contributing if c.resolution
        )


def build_document(incident: Incident) -> PostmortemDocument:
    """Collect what the document shows; expects incident_for_document()'s prefetches."""
    zone = ZoneInfo(incident.time_zone)
    postmortem = getattr(incident, "postmortem", None)
    started = incident.started_at.astimezone(zone) if incident.started_at else None
    resolved = incident.resolved_at.astimezone(zone) if incident.resolved_at else None
    rows, previous_day = [], started.date() if started else None
    for event in incident.timeline_events.all():
        local = event.occurred_at.astimezone(zone)
        rows.append(TimelineRow(event, local, clock(local), local.date() != previous_day))
        previous_day = local.date()
    causes = list(incident.causes.all())
    return PostmortemDocument(
        incident=incident,
        postmortem=postmortem,
        layout=layout_for(postmortem),
        zone_label=zone_label(incident.time_zone),
        started=started,
        resolved=resolved,
        duration=duration_text(incident.duration) if incident.duration else "",
        timeline=rows,
        root_causes=[c for c in causes if c.is_root],
        contributing=[c for c in causes if not c.is_root],
        measures=list(incident.action_items.all()),
    )
