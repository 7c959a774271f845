"""Turn an incident's structured data into the postmortem document, section by section.

The postmortem's own section rows give the order, titles and text; each section is drawn by
a partial picked by the template's style, the section's key and its kind, most specific
first: templates/postmortems/sections/<style>/<key>.html, <style>/<kind>.html, <kind>.html.
The two built-in styles keep the exact look documents had before templates existed.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from django.template.loader import select_template

from incidents.models import ActionItem, Cause, Incident, TimelineEvent, duration_text, zone_label
from postmortems.layouts.sections import NOT_IN_TEMPLATE, ensure_builtin_templates, template_of
from postmortems.models import Postmortem, PostmortemSection, PostmortemTemplate, SectionKind

DEFAULT_STYLE = PostmortemTemplate.Style.CLASSIC


@cache
def section_partial(style: str, key: str, kind: str) -> str:
    """Return the template that draws a section, most specific first."""
    names = [f"postmortems/sections/{style}/{key}.html"] if style != "standard" else []
    names += [f"postmortems/sections/{style}/{kind}.html", f"postmortems/sections/{kind}.html"]
    return select_template(names).template.name


@dataclass
class DocumentSection:
    key: str
    title: str
    kind: str
    body: str
    partial: str
    in_template: bool = True
    group: str = ""
    # The group heading to draw before this section: set on the first of its group.
    group_heading: str = ""
    level: int = 2
    # What the section shows as its text: a resolution falls back to the causes' own.
    text: str = ""

    @property
    def has_text(self) -> bool:
        return bool(self.body.strip())

    @property
    def anchor(self) -> str:
        return f"section-{self.key}"

    @property
    def not_in_template_note(self) -> str:
        return "" if self.in_template else NOT_IN_TEMPLATE


def document_sections(
    postmortem: Postmortem | None, style: str, rows: list[PostmortemSection] | None = None
) -> list[DocumentSection]:
    """Return the document's sections in order, with the group headings placed."""
    if rows is None:
        rows = list(postmortem.sections.all()) if postmortem else []
        if not rows:
            # Not yet saved in a template (a postmortem made outside the services): the
            # template's sections, empty.
            template = template_of(postmortem) if postmortem else None
            template = template or ensure_builtin_templates()["Classic"]
            rows = [
                PostmortemSection(
                    key=s.key, title=s.title, kind=s.kind, group=s.group, position=s.position
                )
                for s in template.sections.all()
            ]
    rows = sorted(rows, key=lambda r: (not r.in_template, r.position, r.pk or 0))
    out = [
        DocumentSection(
            key=row.key,
            title=row.title,
            kind=row.kind,
            body=row.body,
            partial=section_partial(style, row.key, row.kind),
            in_template=row.in_template,
            group=row.group if row.in_template else "",
        )
        for row in rows
    ]
    index = 0
    while index < len(out):
        group = out[index].group
        run_end = index
        while run_end + 1 < len(out) and group and out[run_end + 1].group == group:
            run_end += 1
        if group:
            run = out[index : run_end + 1]
            for section in run:
                section.level = 3
            if style == "standard" or any(section.has_text for section in run):
                out[index].group_heading = group
        index = run_end + 1
    return out


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
    style: str
    template_name: str
    zone_label: str
    started: datetime | None
    resolved: datetime | None
    duration: str
    timeline: list[TimelineRow] = field(default_factory=list)
    root_causes: list[Cause] = field(default_factory=list)
    contributing: list[Cause] = field(default_factory=list)
    measures: list[ActionItem] = field(default_factory=list)
    sections: list[DocumentSection] = field(default_factory=list)

    @property
    def heading_partial(self) -> str:
        return section_partial(self.style, "_heading", "_heading")

    @property
    def has_impact_section(self) -> bool:
        return any(s.kind == SectionKind.IMPACT for s in self.sections)

    def body(self, key: str) -> str:
        return next((s.body for s in self.sections if s.key == key), "")

    @property
    def start_clock(self) -> str:
        return clock(self.started) if self.started else ""

    @property
    def end_clock(self) -> str:
        return clock(self.resolved) if self.resolved else ""

    @property
    def multi_day(self) -> bool:
        return bool(self.started and self.resolved and self.started.date() != self.resolved.date())

    def resolution_of(self, section: DocumentSection) -> str:
        """Return a resolution section's text, or the causes' own resolutions when empty."""
        if section.body:
            return section.body
        return "\n\n".join(
            c.resolution for c in self.root_causes + self.contributing if c.resolution
        )


def build_document(
    incident: Incident, *, template: PostmortemTemplate | None = None
) -> PostmortemDocument:
    """Collect what the document shows; expects incident_for_document()'s prefetches.

    With a template other than the postmortem's, show its text in that template's sections
    (a preview; nothing is saved).
    """
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
    own = template_of(postmortem) if postmortem else None
    shown = template or own
    style = shown.style if shown else DEFAULT_STYLE
    preview_rows = None
    if template is not None and template != own:
        bodies = {s.key: s.body for s in postmortem.sections.all()} if postmortem else {}
        preview_rows = [
            PostmortemSection(
                key=s.key,
                title=s.title,
                kind=s.kind,
                group=s.group,
                position=s.position,
                body=bodies.get(s.key, ""),
            )
            for s in template.sections.all()
        ]
    document = PostmortemDocument(
        incident=incident,
        postmortem=postmortem,
        style=style,
        template_name=shown.name if shown else "Classic",
        sections=document_sections(postmortem, style, preview_rows),
        zone_label=zone_label(incident.time_zone),
        started=started,
        resolved=resolved,
        duration=duration_text(incident.duration) if incident.duration else "",
        timeline=rows,
        root_causes=[c for c in causes if c.is_root],
        contributing=[c for c in causes if not c.is_root],
        measures=list(incident.action_items.all()),
    )
    for section in document.sections:
        section.text = (
            document.resolution_of(section)
            if section.kind == SectionKind.RESOLUTION
            else section.body
        )
    return document
