"""The postmortem document as Markdown, standalone HTML or JSON.

The Markdown follows the postmortem's template and reads well on a code host. Each section
heading carries an invisible marker (`<!-- pm:timeline -->`) so that importing the export
gives back the same structured data, however much Markdown the narrative itself holds.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.staticfiles import finders
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string

from incidents.models import ActionItem, Cause, Incident
from postmortems.layouts.builtin_templates import CLASSIC
from postmortems.layouts.sections import template_of
from postmortems.models import PostmortemTemplate, SectionKind
from postmortems.render import DocumentSection, PostmortemDocument, build_document

# 2: the narrative is a list of sections in the postmortem's template.
SCHEMA_VERSION = 2
FORMATS = {
    "md": ("text/markdown; charset=utf-8", "md"),
    "html": ("text/html; charset=utf-8", "html"),
    "json": ("application/json", "json"),
}
DEAD_END_MARK = "*(dead end)*"
NOT_RECORDED = "—"


def marker(key: str) -> str:
    """Return the marker that names the field a heading of the export holds."""
    return f"<!-- pm:{key} -->"


def local_stamp(moment: datetime, zone: ZoneInfo, *, day: bool = True, twelve_hour=True) -> str:
    """Return a moment as wall-clock text in the zone, with its UTC offset when the wall
    clock alone is ambiguous (the hour repeated when summer time ends) or does not exist."""
    local = moment.astimezone(zone)
    seconds = f":{local.second:02d}" if local.second else ""
    if twelve_hour:
        half = "AM" if local.hour < 12 else "PM"
        text = f"{local.hour % 12 or 12}:{local.minute:02d}{seconds} {half}"
    else:
        text = f"{local:%H:%M}{seconds}"
    if day:
        text = f"{local:%Y-%m-%d} {text}"
    naive = local.replace(tzinfo=None)
    for fold in (0, 1):
        if naive.replace(tzinfo=zone, fold=fold).utcoffset() != local.utcoffset():
            offset = local.utcoffset().total_seconds() // 60
            sign = "+" if offset >= 0 else "-"
            hours, minutes = divmod(abs(int(offset)), 60)
            return f"{text} (UTC{sign}{hours:02d}:{minutes:02d})"
    return text


def _cell(text: str) -> str:
    """Return text that fits one table cell: line breaks as <br>, pipes escaped."""
    text = text.replace("\r\n", "\n").strip().replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(text.splitlines())


def _facts(doc: PostmortemDocument, zone: ZoneInfo) -> list[str]:
    incident = doc.incident

    def when(moment):
        return local_stamp(moment, zone) if moment else NOT_RECORDED

    lines = [f"**Time zone:** {doc.zone_label}"]
    if doc.duration:
        lines.append(f"**Duration:** {doc.duration}")
    lines += [
        f"**Started:** {when(incident.started_at)}",
        f"**Detected:** {when(incident.detected_at)}",
        f"**Mitigated:** {when(incident.mitigated_at)}",
        f"**Resolved:** {when(incident.resolved_at)}",
        f"**Severity:** {incident.severity}",
        f"**Status:** {incident.get_status_display()}",
    ]
    if incident.users_affected:
        lines.append(f"**Users affected:** {_one_line(incident.users_affected)}")
    lines += _people_and_labels(incident)
    # Two trailing spaces: a line break on a code host, so each fact is a line of its own.
    return [f"{line}  " for line in lines[:-1]] + [lines[-1]]


def _people_and_labels(incident: Incident) -> list[str]:
    """Return the facts lines of who led and wrote the postmortem and what it concerns.

    People by their user names (as the action items' owners), services and tags by name, so
    that an import finds the same ones; a line only for what is set.
    """
    postmortem = getattr(incident, "postmortem", None)
    named = [
        ("Commander", [incident.commander] if incident.commander else []),
        ("Authors", list(postmortem.authors.all()) if postmortem else []),
        ("Reviewers", list(postmortem.reviewers.all()) if postmortem else []),
    ]
    lines = [
        f"**{label}:** {', '.join(f'@{person.username}' for person in people)}"
        for label, people in named
        if people
    ]
    for label, rows in (("Services", incident.services.all()), ("Tags", incident.tags.all())):
        if rows:
            lines.append(f"**{label}:** {', '.join(row.name for row in rows)}")
    return lines


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _summary(heading: str, doc: PostmortemDocument, zone: ZoneInfo) -> list[str]:
    # The facts come first and end at a blank line, so the summary after them is kept whole.
    out = [f"## {heading} {marker('summary')}", "", *_facts(doc, zone), ""]
    if doc.incident.summary.strip():
        out += [_normal(doc.incident.summary), ""]
    return out


def _normal(text: str) -> str:
    return text.replace("\r\n", "\n").strip("\n").rstrip()


def _section(heading: str, key: str, text: str, level: int = 2, *, always=True) -> list[str]:
    if not always and not (text and text.strip()):
        return []
    out = [f"{'#' * level} {heading} {marker(key)}", ""]
    if text and text.strip():
        out += [_normal(text), ""]
    return out


def _causes(doc: PostmortemDocument, heading: str) -> list[str]:
    out = [f"## {heading} {marker('causes')}", ""]
    for cause in doc.incident.causes.all():  # in their own order, roles mixed
        role = "Root cause" if cause.role == Cause.Role.ROOT else "Contributing factor"
        heading = f"{role} ({cause.get_category_display()})"
        tags = [tag.name for tag in cause.tags.all()]
        if tags:
            # A facts line of its own, first in the section: the description stays verbatim.
            out += [f"### {heading} {marker('cause')}", "", f"**Tags:** {', '.join(tags)}", ""]
            out += [_normal(cause.description), ""] if cause.description.strip() else []
        else:
            out += _section(heading, "cause", cause.description, 3)
        if cause.resolution:
            out += _section("How it was resolved", "cause_resolution", cause.resolution, 4)
    return out


def _timeline(doc: PostmortemDocument, zone: ZoneInfo, heading: str = "Timeline") -> list[str]:
    out = [f"## {heading} {marker('timeline')}", "", f"All times in {doc.zone_label}.", ""]
    if not doc.timeline:
        return out
    out += ["| Time | Kind | Event |", "| --- | --- | --- |"]
    start_day = doc.started.date() if doc.started else None
    for row in doc.timeline:
        stamp = local_stamp(row.event.occurred_at, zone, day=row.local.date() != start_day)
        mark = f" {DEAD_END_MARK}" if row.event.is_dead_end else ""
        # The mark sits with the kind, where no description can imitate it.
        out.append(
            f"| {stamp} | {row.event.get_kind_display()}{mark} | {_cell(row.event.description)} |"
        )
    return [*out, ""]


ADDRESS_SEPARATOR = " · "


def cause_key(description: str) -> str:
    """Return a cause's text on one line: how an item's Addresses cell names the cause."""
    return " ".join(description.split())


def _items(doc: PostmortemDocument, heading: str) -> list[str]:
    out = [f"## {heading} {marker('action_items')}", ""]
    if not doc.measures:
        return out
    out += [
        "| Action item | Kind | Owner | Status | Due | Priority | Ticket | Addresses | Details |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for item in doc.measures:
        done = "✅ " if item.status == ActionItem.Status.DONE else ""
        cells = [
            _cell(item.title),
            item.get_kind_display(),
            f"@{item.owner.username}" if item.owner else "",
            f"{done}{item.get_status_display()}",
            f"{item.due_date:%Y-%m-%d}" if item.due_date else "",
            item.priority,
            item.tracker_url,
            # The causes it addresses, by their text as the causes section shows it.
            ADDRESS_SEPARATOR.join(_cell(cause_key(c.description)) for c in item.causes.all()),
            _cell(item.description),
        ]
        out.append("| " + " | ".join(cells) + " |")
    return [*out, ""]


def _section_markdown(
    doc: PostmortemDocument, section: DocumentSection, zone: ZoneInfo, level: int
) -> list[str]:
    """Return one section in Markdown: structured parts from the incident, text verbatim."""
    kind, incident = section.kind, doc.incident
    if kind == SectionKind.SUMMARY:
        out = _summary(section.title, doc, zone)
        if not doc.has_impact_section:
            out += _section("Impact", "impact", incident.impact)
        return out
    if kind == SectionKind.IMPACT:
        return _section(section.title, "impact", incident.impact)
    if kind == SectionKind.DURATION:
        return _section(section.title, "duration", doc.duration or "ongoing")
    if kind == SectionKind.CAUSES:
        return _causes(doc, section.title)
    if kind == SectionKind.TIMELINE:
        return _timeline(doc, zone, section.title)
    if kind == SectionKind.ACTION_ITEMS:
        return _items(doc, section.title)
    return _section(section.title, section.key, section.body, level, always=False)


def export_markdown(incident: Incident, *, template: PostmortemTemplate | None = None) -> str:
    """Return the postmortem as Markdown in its template's sections (or another template's)."""
    # Who wrote and reviewed it: the page shows them elsewhere, so the page's rows lack them.
    prefetch_related_objects([incident], "postmortem__authors", "postmortem__reviewers")
    doc = build_document(incident, template=template)
    zone = ZoneInfo(incident.time_zone)
    if doc.style == PostmortemTemplate.Style.CLASSIC:
        out = [f"# Postmortem - {incident.title}", ""]
    else:
        out = [f"# {incident.title}", ""]
    if doc.template_name != CLASSIC:
        # Which template to import it back into; the default one needs no line.
        out += [f"<!-- pm-template: {doc.template_name} -->", ""]
    # The classic export has always put grouped sections at the top level, ungrouped.
    grouping = doc.style != PostmortemTemplate.Style.CLASSIC
    for section in doc.sections:
        if grouping and section.group_heading:
            out += [f"## {section.group_heading} {marker('group')}", ""]
        level = section.level if grouping else 2
        out += _section_markdown(doc, section, zone, level)
    return "\n".join(out).rstrip() + "\n"


def export_html(incident: Incident) -> str:
    """Return the rendered document as one HTML file with its stylesheet inline."""
    document = build_document(incident)
    css = "".join(
        open(finders.find(name), encoding="utf-8").read()  # noqa: SIM115
        for name in ("css/document.css",)
    )
    return render_to_string(
        "postmortems/standalone.html",
        {"document": document, "inline_css": css},
    )


def standalone_html(*, title: str, body: str, layout: str) -> str:
    """Return an already rendered document body as one HTML file with its stylesheet."""
    css = open(finders.find("css/document.css"), encoding="utf-8").read()  # noqa: SIM115
    return render_to_string(
        "postmortems/standalone_frozen.html",
        {"title": title, "body": body, "layout": layout, "inline_css": css},
    )


def export_json(incident: Incident) -> dict:
    """Return the structured data of the postmortem, with a schema version."""
    pm = getattr(incident, "postmortem", None)

    def when(moment):
        return moment.isoformat() if moment else None

    return {
        "schema_version": SCHEMA_VERSION,
        "incident": {
            "reference": incident.reference,
            "title": incident.title,
            "severity": incident.severity,
            "status": incident.status,
            "time_zone": incident.time_zone,
            "started_at": when(incident.started_at),
            "detected_at": when(incident.detected_at),
            "mitigated_at": when(incident.mitigated_at),
            "resolved_at": when(incident.resolved_at),
            "duration_seconds": incident.duration.total_seconds() if incident.duration else None,
            "summary": incident.summary,
            "impact": incident.impact,
            "users_affected": incident.users_affected,
            "commander": incident.commander.username if incident.commander else None,
            "team": incident.team.name if incident.team else None,
            "services": [s.name for s in incident.services.all()],
            "tags": [t.name for t in incident.tags.all()],
        },
        "timeline": [
            {
                "occurred_at": when(e.occurred_at),
                "kind": e.kind,
                "description": e.description,
                "dead_end": e.is_dead_end,
                "author": e.author.username if e.author else None,
            }
            for e in incident.timeline_events.all()
        ],
        "causes": [
            {
                "id": c.pk,
                "role": c.role,
                "category": c.category,
                "description": c.description,
                "resolution": c.resolution,
                "tags": [t.name for t in c.tags.all()],
            }
            for c in incident.causes.all()
        ],
        "action_items": [
            {
                "title": a.title,
                "description": a.description,
                "kind": a.kind,
                "priority": a.priority,
                "owner": a.owner.username if a.owner else None,
                "due_date": a.due_date.isoformat() if a.due_date else None,
                "status": a.status,
                "completed_at": when(a.completed_at),
                "tracker_url": a.tracker_url,
                "cause_ids": [c.pk for c in a.causes.all()],
            }
            for a in incident.action_items.all()
        ],
        "postmortem": None
        if pm is None
        else {
            "status": pm.status,
            "template": template_of(pm).name,
            "authors": [u.username for u in pm.authors.all()],
            "reviewers": [u.username for u in pm.reviewers.all()],
            "published_at": when(pm.published_at),
            "sections": [
                {
                    "key": section.key,
                    "title": section.title,
                    "kind": section.kind,
                    "body": section.body,
                    "in_template": section.in_template,
                }
                for section in sorted(
                    pm.sections.all(), key=lambda r: (not r.in_template, r.position, r.pk)
                )
            ],
        },
    }
