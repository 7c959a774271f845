"""The history of a template: what each edit changed, in words a reader of the page follows."""

from typing import Any

from incidents.models import User
from postmortems.models import PostmortemTemplate, TemplateChange

Snapshot = dict[str, Any]

SECTION_FIELDS = {
    "kind": "kind",
    "help_text": "prompt",
    "group": "group",
    "synonyms": "import synonyms",
}


def snapshot(template: PostmortemTemplate) -> Snapshot:
    """Return what an edit may change, to compare with the template after it."""
    sections = list(template.sections.order_by("position", "pk"))
    return {
        "name": template.name,
        "description": template.description,
        "team": str(template.team) if template.team_id else "",
        "defaults": sorted(str(d.team) for d in template.team_defaults.select_related("team")),
        "order": [s.pk for s in sections],
        "sections": {
            s.pk: {
                "title": s.title,
                "kind": s.get_kind_display(),
                "help_text": s.help_text,
                "required": s.required,
                "group": s.group,
                "synonyms": s.synonyms,
            }
            for s in sections
        },
    }


def describe(before: Snapshot, after: Snapshot) -> list[str]:
    """Return one line per change between two snapshots of a template."""
    lines = []
    if before["name"] != after["name"]:
        lines.append(f"Renamed from “{before['name']}” to “{after['name']}”")
    if before["description"] != after["description"]:
        lines.append("Description changed")
    if before["team"] != after["team"]:
        lines.append(
            f"Made for {after['team'] or 'every team'} (was {before['team'] or 'every team'})"
        )
    added = sorted(set(after["defaults"]) - set(before["defaults"]))
    dropped = sorted(set(before["defaults"]) - set(after["defaults"]))
    if added:
        lines.append(f"Now the default of {', '.join(added)}")
    if dropped:
        lines.append(f"No longer the default of {', '.join(dropped)}")
    old, new = before["sections"], after["sections"]
    for pk in after["order"]:
        if pk not in old:
            lines.append(f"Section “{new[pk]['title']}” added")
    for pk in before["order"]:
        if pk not in new:
            lines.append(f"Section “{old[pk]['title']}” removed")
    for pk in after["order"]:
        if pk not in old:
            continue
        was, now = old[pk], new[pk]
        if was["title"] != now["title"]:
            lines.append(f"Section “{was['title']}” renamed to “{now['title']}”")
        if was["required"] != now["required"]:
            state = "required" if now["required"] else "no longer required"
            lines.append(f"Section “{now['title']}” {state} before review")
        for field, label in SECTION_FIELDS.items():
            if was[field] != now[field]:
                lines.append(f"Section “{now['title']}”: {label} changed")
    kept_before = [pk for pk in before["order"] if pk in new]
    kept_after = [pk for pk in after["order"] if pk in old]
    if kept_before != kept_after:
        lines.append("Sections reordered: " + " · ".join(new[pk]["title"] for pk in after["order"]))
    return lines


def record(template: PostmortemTemplate, actor: User | None, lines: list[str]) -> None:
    """Keep one history entry for an edit that changed something."""
    if lines:
        TemplateChange.objects.create(template=template, actor=actor, lines=lines)
