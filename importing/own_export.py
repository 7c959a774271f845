"""Read documents this app exported: its Markdown, whose headings carry `<!-- pm:key -->` markers.

The markers name the field each section holds, so narrative with its own headings and lists
comes back verbatim, and the tables of timeline and action items give kinds, dead ends,
owners, statuses and due dates back exactly. A document without markers is read by the
general parser (importing.parse) instead.
"""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from core.zones import zone_or_none
from importing.errors import PostmortemImportError
from importing.parsed import (
    ParsedActionItem,
    ParsedCause,
    ParsedEvent,
    ParsedPostmortem,
    ParsedSection,
)
from importing.timeline import DEAD_END
from importing.times import parse_clock, zone_for
from incidents.models import ActionItem, Cause, Incident, TimelineEvent

MARKED_HEADING = re.compile(
    r"^\s{0,3}(#{1,6})\s+(?P<heading>.*?)\s*<!-- pm:(?P<key>[a-z0-9_]+) -->\s*$"
)
# The template the export was written in, on a line of its own under the title.
TEMPLATE_LINE = re.compile(r"^\s*<!-- pm-template: (?P<name>.+?) -->\s*$")
# Markers of parts drawn from the incident's data (or grouping headings): no section text.
STRUCTURED = {"summary", "impact", "causes", "cause", "cause_resolution", "timeline",
              "action_items", "group", "duration"}  # fmt: skip
FACT = re.compile(r"^\*\*(?P<label>[^*]+?):\*\*\s*(?P<value>.*?)\s*$")
# The facts lines (by their label in lower case) that name people, services and tags.
PEOPLE_AND_LABELS = ("commander", "authors", "reviewers", "services", "tags")
NOT_RECORDED = "—"
NARRATIVE = {
    "resolution",
    "trigger",
    "detection",
    "went_well",
    "went_wrong",
    "got_lucky",
    "closing_remarks",
    "unplaced_text",
}


def is_export(source: str) -> bool:
    """Return whether the document is this app's own Markdown export."""
    return any(MARKED_HEADING.match(line) for line in source.splitlines())


def _by_label(choices) -> dict[str, str]:
    return {str(label).lower(): value for value, label in choices}


EVENT_KIND_BY_LABEL = _by_label(TimelineEvent.Kind.choices)
ITEM_KIND_BY_LABEL = _by_label(ActionItem.Kind.choices)
ITEM_STATUS_BY_LABEL = _by_label(ActionItem.Status.choices)
CATEGORY_BY_LABEL = _by_label(Cause.Category.choices)
INCIDENT_STATUS_BY_LABEL = _by_label(Incident.Status.choices)


def _chunks(lines: list[str]) -> tuple[str, list[tuple[str, str, int, str]]]:
    """Split the document at marked headings: (key, heading, line, body) each."""
    title, chunks, current = "", [], None
    for number, line in enumerate(lines, start=1):
        match = MARKED_HEADING.match(line)
        if match:
            current = [match["key"], match["heading"], number, []]
            chunks.append(current)
        elif current is not None:
            current[3].append(line)
        elif not title and line.startswith("# "):
            title = line[2:].strip()
        elif current is None and (template := TEMPLATE_LINE.match(line)):
            chunks.append(["template", template["name"], number, []])
    return title, [
        (key, heading, line, "\n".join(body).strip("\n").rstrip())
        for key, heading, line, body in chunks
    ]


def split_cells(row: str) -> list[str]:
    """Split a table row at its unescaped pipes; unescape the cells, <br> as line breaks."""
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    cells, cell, escaped = [], "", False
    for char in row:
        if escaped:
            cell += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            cells.append(cell)
            cell = ""
        else:
            cell += char
    if cell.strip():
        cells.append(cell)
    return [re.sub(r"<br\s*/?>", "\n", c.strip(), flags=re.I) for c in cells]


def _table(body: str, first_line: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    header, rows = [], []
    for offset, line in enumerate(body.splitlines()):
        if not line.lstrip().startswith("|"):
            continue
        if not header:
            header = [cell.lower() for cell in split_cells(line)]
        elif not re.match(r"^\s*\|?\s*:?-{3,}", line):
            rows.append((first_line + 1 + offset, split_cells(line)))
    return header, rows


def _moment(text: str, day: date, zone: ZoneInfo, line: int, warnings: list[str]):
    """Return the moment a stamp of the export names; None, with a warning, when an edited
    export holds a stamp that is no moment."""
    text = text.strip()
    if not text or text == NOT_RECORDED:
        return None
    try:
        written_day, clock = parse_clock(text, line)
    except PostmortemImportError as error:
        warnings.append(f"{error}; kept as text, time unknown")
        return None
    seconds = re.search(r"\d:\d{2}:(\d{2})", text)
    if seconds:
        clock = time(clock.hour, clock.minute, int(seconds.group(1)))
    offset_zone = zone_for(text[text.find("(") :]) if "(" in text else None
    tz = ZoneInfo(offset_zone) if offset_zone else zone
    return datetime.combine(written_day or day, clock, tzinfo=tz)


def parse_export(
    source: str, *, default_date: date, time_zone: str | None = None
) -> ParsedPostmortem:
    """Read the app's own Markdown export back into the data it was made from."""
    lines = source.splitlines()
    title, chunks = _chunks(lines)
    parsed = ParsedPostmortem(
        title=re.sub(r"^Postmortem - ", "", title)[:200],
        time_zone="UTC",
        started_at=None,
        resolved_at=None,
    )
    facts: dict[str, tuple[str, int]] = {}
    untimed: list[str] = []
    for key, _heading, line, body in chunks:
        if key == "summary":
            head, _, rest = body.partition("\n\n")
            for offset, fact_line in enumerate(head.splitlines()):
                match = FACT.match(fact_line.strip())
                if match:
                    facts[match["label"].lower()] = (match["value"], line + 2 + offset)
            parsed.summary = rest.strip("\n").rstrip()
    zone_name = zone_for(facts.get("time zone", ("UTC", 0))[0]) or "UTC"
    zone = zone_or_none(zone_name) or ZoneInfo("UTC")
    parsed.time_zone = time_zone or zone_name

    def fact_time(label: str, day: date) -> datetime | None:
        value, line = facts.get(label, ("", 0))
        return _moment(value, day, zone, line, parsed.warnings)

    parsed.started_at = fact_time("started", default_date)
    start_day = parsed.started_at.astimezone(zone).date() if parsed.started_at else default_date
    parsed.detected_at = fact_time("detected", start_day)
    parsed.mitigated_at = fact_time("mitigated", start_day)
    parsed.resolved_at = fact_time("resolved", start_day)
    parsed.status = INCIDENT_STATUS_BY_LABEL.get(facts.get("status", ("", 0))[0].lower(), "")
    if match := re.search(r"SEV[1-4]", facts.get("severity", ("", 0))[0]):
        parsed.severity = match.group(0)
    parsed.users_affected = facts.get("users affected", ("", 0))[0]
    people = {label: _names(facts.get(label, ("", 0))[0]) for label in PEOPLE_AND_LABELS}
    parsed.commander = next(iter(people["commander"]), "")
    parsed.authors, parsed.reviewers = people["authors"], people["reviewers"]
    parsed.services, parsed.tags = people["services"], people["tags"]

    for key, heading, line, body in chunks:
        if key == "template":
            parsed.template = heading
        elif key == "impact":
            parsed.impact = body
        elif key in NARRATIVE:
            setattr(parsed, key, body)
        elif key not in STRUCTURED:
            parsed.sections.append(ParsedSection(key=key, title=heading, body=body))
        elif key == "cause":
            role = (
                Cause.Role.ROOT if heading.lower().startswith("root") else Cause.Role.CONTRIBUTING
            )
            category = re.search(r"\(([^()]*)\)\s*$", heading)
            tags, description = _cause_tags(body)
            parsed.causes.append(
                ParsedCause(
                    role=role,
                    category=CATEGORY_BY_LABEL.get(
                        category.group(1).lower() if category else "", Cause.Category.UNKNOWN
                    ),
                    description=description,
                    tags=tags,
                )
            )
        elif key == "cause_resolution" and parsed.causes:
            parsed.causes[-1].resolution = body
        elif key == "timeline":
            parsed.events += _events(body, line, start_day, zone, parsed.warnings, untimed)
        elif key == "action_items":
            parsed.action_items += _items(body, line, parsed.warnings)
    if untimed:
        parsed.unplaced_text = "\n\n".join(
            part
            for part in (
                parsed.unplaced_text,
                "## Timeline entries without a time\n\n" + "\n".join(untimed),
            )
            if part
        )
    if parsed.started_at is None:
        times = [event.occurred_at for event in parsed.events]
        parsed.started_at = (
            min(times) if times else datetime.combine(default_date, time(0), tzinfo=zone)
        )
        parsed.warnings.append(
            f"the start time could not be read; it is {parsed.started_at:%Y-%m-%d %H:%M} "
            "until you set it"
        )
    return parsed


def _names(value: str) -> list[str]:
    """Return the names of a facts line: "@alice, @bob" or "web, api", without the @."""
    return [name.strip().removeprefix("@") for name in value.split(",") if name.strip()]


def _cause_tags(body: str) -> tuple[list[str], str]:
    """Return a cause's tags (its first line, when that is a Tags fact) and its description."""
    first, _, rest = body.partition("\n\n")
    match = FACT.match(first.strip())
    if match and match["label"].lower() == "tags" and "\n" not in first.strip():
        return _names(match["value"]), rest.strip("\n").rstrip()
    return [], body


def _column(header: list[str], name: str) -> int | None:
    return next((i for i, cell in enumerate(header) if cell.startswith(name)), None)


def _events(
    body: str, line: int, start_day: date, zone: ZoneInfo, warnings: list[str], untimed: list[str]
) -> list[ParsedEvent]:
    header, rows = _table(body, line)
    time_col, kind_col, text_col = (_column(header, n) for n in ("time", "kind", "event"))
    events = []
    for number, cells in rows:

        def cell(index, cells=cells):
            return cells[index] if index is not None and index < len(cells) else ""

        kind, dead_end = DEAD_END.subn("", cell(kind_col))
        occurred_at = _moment(cell(time_col), start_day, zone, number, warnings)
        if occurred_at is None:
            untimed.append(f"- (line {number}) {cell(time_col)} {cell(text_col)}")
            continue
        events.append(
            ParsedEvent(
                occurred_at=occurred_at,
                description=cell(text_col),
                kind=EVENT_KIND_BY_LABEL.get(kind.strip().lower(), TimelineEvent.Kind.OTHER),
                line=number,
                is_dead_end=bool(dead_end),
            )
        )
    return events


def _items(body: str, line: int, warnings: list[str]) -> list[ParsedActionItem]:
    header, rows = _table(body, line)
    columns = {
        name: _column(header, name)
        for name in (
            "action",
            "kind",
            "owner",
            "status",
            "due",
            "priority",
            "ticket",
            "addresses",
            "details",
        )
    }
    items = []
    for number, cells in rows:

        def cell(name, cells=cells):
            index = columns[name]
            return cells[index] if index is not None and index < len(cells) else ""

        due = cell("due")
        status = cell("status").removeprefix("✅").strip().lower()
        items.append(
            ParsedActionItem(
                title=cell("action")[:200] or "(untitled action item)",
                description=cell("details"),
                kind=ITEM_KIND_BY_LABEL.get(cell("kind").lower(), ActionItem.Kind.PREVENT),
                owner=cell("owner").removeprefix("@"),
                due_date=_due_date(due, number, warnings),
                status=ITEM_STATUS_BY_LABEL.get(status, ActionItem.Status.OPEN),
                priority=cell("priority") or ActionItem.Priority.P3,
                tracker_url=cell("ticket"),
                addresses=[text for text in cell("addresses").split(" · ") if text.strip()],
            )
        )
    return items


def _due_date(text: str, line: int, warnings: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        warnings.append(f"line {line}: {text!r} is not a due date; left unset")
        return None
