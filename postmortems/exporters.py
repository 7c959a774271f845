"""The postmortem document as Markdown, standalone HTML or JSON.

The Markdown is written in the shape the importer reads, so exporting and importing again
gives the same structured data.
"""

from datetime import datetime

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from incidents.models import Incident
from postmortems.render import PostmortemDocument, build_document, clock

SCHEMA_VERSION = 1
FORMATS = {
    "md": ("text/markdown; charset=utf-8", "md"),
    "html": ("text/html; charset=utf-8", "html"),
    "json": ("application/json", "json"),
}
DEAD_END_MARK = "*(dead end)*"


def _stamp(document: PostmortemDocument, moment: datetime) -> str:
    if document.started and moment.date() != document.started.date():
        return f"{moment:%Y-%m-%d} {clock(moment)}"
    return clock(moment)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def export_markdown(incident: Incident) -> str:
    """Return the postmortem as Markdown that reads well on a code host."""
    doc = build_document(incident)
    pm = doc.postmortem
    out: list[str] = [f"# Postmortem - {incident.title}", "", "## Issue Summary", ""]
    if incident.summary:
        out += [incident.summary.strip(), ""]
    if doc.duration:
        out.append(
            f"**Duration:** {doc.duration} ({_stamp(doc, doc.started)} to "
            f"{_stamp(doc, doc.resolved)}) in {doc.zone_label} timezone  "
        )
    elif doc.started:
        out.append(f"**Start:** {doc.started:%Y-%m-%d} {clock(doc.started)} {doc.zone_label}  ")
    if doc.started:
        out.append(f"**Date:** {doc.started:%Y-%m-%d}  ")
    out.append(f"**Severity:** {incident.severity}  ")
    if incident.users_affected:
        out.append(f"**Users affected:** {incident.users_affected}  ")
    if incident.impact:
        out.append(f"**Impact:** {incident.impact.strip()}")
    out.append("")
    if doc.root_causes:
        out += ["## Root Cause", ""]
        if len(doc.root_causes) == 1:
            out += [doc.root_causes[0].description.strip(), ""]
        else:
            out += [f"- {_one_line(c.description)}" for c in doc.root_causes] + [""]
    if doc.contributing:
        out += ["## Contributing Factors", ""]
        out += [f"- {_one_line(c.description)}" for c in doc.contributing] + [""]
    out += ["## Timeline", ""]
    for row in doc.timeline:
        text = row.event.description.strip().replace("\n", "\n  ")
        mark = f" {DEAD_END_MARK}" if row.event.is_dead_end else ""
        out.append(f"- **{_stamp(doc, row.local)}:** {text}{mark}")
    out.append("")
    if doc.resolution:
        out += ["## Root Cause and Resolution", "", doc.resolution.strip(), ""]
    out += ["## Corrective and Preventative Measures", ""]
    for item in doc.measures:
        box = " " if item.is_open else "x"
        fields = [f"status: {item.get_status_display().lower()}"]
        if item.owner:
            fields.insert(0, f"owner: {item.owner.username}")
        if item.due_date:
            fields.insert(1 if item.owner else 0, f"due: {item.due_date:%Y-%m-%d}")
        description = f" {_one_line(item.description)}" if item.description else ""
        out.append(f"- [{box}] **{item.title}:**{description} ({', '.join(fields)})")
        for cause in item.causes.all():
            out.append(f"  Addresses: {_one_line(cause.description)}")
    out.append("")
    if pm:
        if pm.closing_remarks:
            out += [pm.closing_remarks.strip(), ""]
        for heading, text in (
            ("Trigger", pm.trigger),
            ("Detection", pm.detection),
            ("What went well", pm.went_well),
            ("What went wrong", pm.went_wrong),
            ("Where we got lucky", pm.got_lucky),
        ):
            if text:
                out += [f"## {heading}", "", text.strip(), ""]
        if pm.unplaced_text:
            out += ["## Other Notes", "", pm.unplaced_text.strip(), ""]
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
            "layout": pm.layout,
            "authors": [u.username for u in pm.authors.all()],
            "reviewers": [u.username for u in pm.reviewers.all()],
            "published_at": when(pm.published_at),
            **{
                name: getattr(pm, name)
                for name in (
                    "resolution",
                    "trigger",
                    "detection",
                    "went_well",
                    "went_wrong",
                    "got_lucky",
                    "closing_remarks",
                    "unplaced_text",
                )
            },
        },
    }
