"""Read a postmortem document into structured data: ours back from its export, any other by
its shape (Markdown, with HTML mixed in).

The parser is forgiving about shape and strict about facts: headings of any level and common
names, timelines as headings, bullets, tables or plain lines, action items as headings,
bullets, checkboxes or tables. Text it cannot place is kept as unplaced narrative, never
dropped. A fact it cannot read (a time of 25:61, a due date of 2026-13-40) is an error that
names the line.
"""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.zones import zone_or_none
from importing import own_export
from importing.action_items import action_items
from importing.announced import announced_items, new_items
from importing.errors import PostmortemImportError
from importing.fields import labelled_fields, read_causes, users_affected
from importing.kinds import EVENT_KIND_NAMES, EVENT_KINDS, classify
from importing.parsed import (
    ParsedEvent,
    ParsedPostmortem,
    ParsedSection,
)
from importing.structure import SECTION_NAMES, clean, group_sections, split_blocks
from importing.timeline import (
    DEAD_END,
    KIND_NOTE,
    RawEvent,
    looks_like_timeline,
    timeline_entries,
)
from importing.times import (
    document_zone,
    incident_day,
    stamp_day,
    stamp_tzinfo,
    start_from_prose,
    times_from_fields,
    without_zone_statements,
)
from importing.years import far_from, read_years
from importing.zone_names import ambiguous_choices
from incidents.models import Cause, TimelineEvent


def parse_postmortem(
    source: str,
    *,
    default_date: date,
    time_zone: str | None = None,
    section_names: dict[str, tuple[str, str]] | None = None,
) -> ParsedPostmortem:
    """Parse a Markdown postmortem; raise PostmortemImportError naming the line when a fact
    is unreadable.

    section_names maps headings (as heading_name() gives them) to the (key, title) of a
    template's own sections, so their text lands in those sections, not in other notes.
    """
    if "\x00" in source:
        raise PostmortemImportError("this is not a text file")
    if not source.strip():
        raise PostmortemImportError("the document is empty")
    if own_export.is_export(source):
        parsed = own_export.parse_export(source, default_date=default_date, time_zone=time_zone)
        return settle_incident_times(parsed, from_timeline=False)
    zone_unknown = ""
    zone_warnings: list[str] = []
    # "20244-03-02" among 2024 dates: read as 2024 before anything reads the dates.
    years = read_years(source, zone_warnings)
    source = years.source
    # IST, CST: which zone the document means, said once for the document.
    choices = ambiguous_choices(source, zone_warnings) if not time_zone else {}
    if time_zone:
        zone_name, zone_reason = time_zone, "chosen on import"
        if zone_or_none(zone_name) is None:  # the caller's own zone: theirs to correct
            raise PostmortemImportError(
                f"{zone_name!r} is not a time zone; use a name such as Europe/Berlin, "
                "an offset such as GMT+2, or UTC"
            )
    else:
        zone_name, zone_reason, zone_unknown = document_zone(source, choices, zone_warnings)
    zone = zone_or_none(zone_name)
    names = {name: key for name, (key, _title) in (section_names or {}).items()}
    titles = {key: title for key, title in (section_names or {}).values()}
    title, sections = group_sections(split_blocks(source), names)
    parsed = ParsedPostmortem(title="", time_zone=zone_name, started_at=None, resolved_at=None)
    parsed.zone_reason = zone_reason
    parsed.warnings += zone_warnings
    if zone_unknown:
        parsed.warnings.append(
            f"{zone_unknown}; entries without a zone of their own are kept as text, "
            "time unknown: choose the zone on import to place them"
        )
        zone_unknown = zone_unknown.split(": ", 1)[-1]
    unplaced: list[str] = []
    lessons: list[str] = []
    fields: dict[str, str] = {}
    raw_events: list[RawEvent] = []

    announced = []
    for section in sections:
        if section.key is None and section.heading and looks_like_timeline(section):
            section.key = "timeline"  # "What happened" written as timed entries
        if section.key not in {"timeline", "action_items"}:
            announced += announced_items(section, parsed.warnings)
        text = section.text()
        if section.key is None:
            preamble_fields, rest = labelled_fields(text)
            fields.update(preamble_fields)
            rest = without_zone_statements(rest)
            if rest and section is sections[0] and not any(s.key == "summary" for s in sections):
                # No summary heading: the opening paragraph is the summary.
                opening, _, rest = rest.partition("\n\n")
                parsed.summary = opening.strip()
                rest = rest.strip()
            if rest:
                unplaced.append(f"## {section.heading}\n\n{rest}" if section.heading else rest)
        elif section.key == "summary":
            summary_fields, rest = labelled_fields(text)
            fields.update(summary_fields)
            parsed.summary = rest
        elif section.key == "impact":
            parsed.impact = text
        elif section.key == "root_cause":
            parsed.causes += read_causes(text, Cause.Role.ROOT)
        elif section.key == "contributing":
            parsed.causes += read_causes(text, Cause.Role.CONTRIBUTING)
        elif section.key == "root_cause_and_resolution":
            parsed.resolution = text
        elif section.key in {
            "trigger",
            "resolution",
            "detection",
            "went_well",
            "went_wrong",
            "got_lucky",
        }:
            setattr(parsed, section.key, text)
        elif section.key in titles and section.key not in SECTION_NAMES:
            parsed.sections.append(ParsedSection(section.key, titles[section.key], text))
        elif section.key == "lessons" and text:
            lessons.append(text)
        elif section.key == "timeline":
            entries, leftovers = timeline_entries(section)
            raw_events += entries
            if leftovers:
                unplaced.append("## Timeline notes\n\n" + "\n".join(leftovers))
        elif section.key == "action_items":
            items, leftovers = action_items(section, parsed.warnings)
            parsed.action_items += items
            if leftovers:
                parsed.closing_remarks = "\n\n".join(leftovers)

    # "Actions planned:" in a Resolution, "We will ..." in the lessons: items too, unless
    # the action item section lists them already.
    parsed.action_items += new_items(announced, parsed.action_items)
    if not title:
        title = _first_words(source) or "Imported postmortem"
        parsed.warnings.append(
            f"no heading names the incident; the title is {title!r}, correct it before saving"
        )
    parsed.title = re.sub(
        r"^\s*(post[- ]?mortem|incident report|pir)\s*[-:–—]\s*", "", title, flags=re.I
    ).strip()[:200]
    if severity := re.search(r"\bSEV\s*([1-4])\b", fields.get("severity", ""), re.I):
        parsed.severity = f"SEV{severity.group(1)}"
    if "impact" in fields and not parsed.impact:
        parsed.impact = fields["impact"]
    parsed.users_affected = (
        fields.get("users affected") or fields.get("affected") or users_affected(parsed.impact)
    )
    if lessons:
        unplaced.append("## Lessons learned\n\n" + "\n\n".join(lessons))

    for raw in raw_events:
        if raw.stamp and raw.stamp.day and far_from(raw.stamp.day.year, years.usual):
            # "2031-03-02" among 2024 dates, no slip of a key away: no day to trust.
            raw.error = (
                f"the year {raw.stamp.day.year} is far from the document's other dates "
                f"({years.usual})"
            )
            raw.stamp, raw.day_marker = None, False
    base_day = incident_day(raw_events, fields, title, source, parsed.warnings, default_date)

    def at(day: date, clock: time, stamp_zone) -> datetime:
        if isinstance(stamp_zone, str):
            stamp_zone = ZoneInfo(stamp_zone)
        return datetime.combine(day, clock, tzinfo=stamp_zone or zone)

    # Dates carry forward entry by entry; a new day starts only when the clock goes back by
    # hours (23:40 → 00:15), not when an entry is minutes out of order.
    day, previous, untimed = base_day, None, []
    for raw in raw_events:
        stamp = raw.stamp
        if raw.day_marker:
            day = stamp_day(stamp, base_day) or day
            previous = None
            continue
        text, dead_end = DEAD_END.subn("", raw.text)
        text, _, kind_hint = text.partition(KIND_NOTE)
        text = text.strip()
        stamp_zone, zone_error = stamp_tzinfo(stamp.zone, choices) if stamp else (None, "")
        why = raw.error or zone_error
        if not why and stamp is None:
            why = "this entry has no time"
        if not why and stamp_zone is None and zone_unknown:
            why = f"the document's zone {zone_unknown!r} is unknown"
        if why:
            parsed.warnings.append(f"line {raw.line}: {why}; kept as text, time unknown")
            untimed.append(f"- (line {raw.line}) {raw.text.replace(KIND_NOTE, 'type: ')}")
            continue
        if stamp.day:
            day = stamp.day
        elif stamp.month_day:
            day = stamp_day(stamp, base_day) or day
        elif (
            previous is not None
            and stamp.clock < previous
            and (datetime.combine(day, previous) - datetime.combine(day, stamp.clock))
            >= timedelta(hours=3)
        ):
            day = day + timedelta(days=1)
        previous = stamp.clock
        parsed.events.append(
            ParsedEvent(
                occurred_at=at(day, stamp.clock, stamp_zone),
                description=text or "(no description)",
                kind=EVENT_KIND_NAMES.get(kind_hint.strip().lower())
                or classify(f"{kind_hint} {text}", EVENT_KINDS, TimelineEvent.Kind.ACTION),
                line=raw.line,
                is_dead_end=bool(dead_end),
            )
        )
    if untimed:
        unplaced.append("## Timeline entries without a time\n\n" + "\n".join(untimed))

    try:
        times_from_fields(parsed, fields, base_day, at)
    except PostmortemImportError as error:
        parsed.warnings.append(f"{error} in the duration or start and end lines; left unset")
        times_from_fields(parsed, {}, base_day, at)
    if parsed.started_at is None and not parsed.events:
        parsed.started_at = start_from_prose(source, base_day, zone, parsed.warnings)
    if parsed.started_at is None:
        parsed.started_at = datetime.combine(base_day, time(0), tzinfo=zone)
        parsed.warnings.append(
            f"found no start time: the incident starts at {base_day} 00:00 until you set it "
            "(add timeline entries with times, or a line like 'Duration: 4 hours (9:00 AM to "
            "1:00 PM)')"
        )
    parsed.unplaced_text = "\n\n".join(part for part in unplaced if part.strip())
    if parsed.started_at and parsed.resolved_at and parsed.resolved_at < parsed.started_at:
        parsed.resolved_at += timedelta(days=1)
    return settle_incident_times(parsed)


def settle_incident_times(parsed: ParsedPostmortem, *, from_timeline=True) -> ParsedPostmortem:
    """Fill detection and mitigation from the timeline where the document gives none, and
    leave out those that would break the order start ≤ detected ≤ mitigated ≤ resolved:
    the events themselves keep every time the document wrote."""

    def first(kind: str) -> datetime | None:
        return next((e.occurred_at for e in parsed.events if e.kind == kind), None)

    if from_timeline and parsed.detected_at is None:
        parsed.detected_at = first(TimelineEvent.Kind.DETECTION)
    if from_timeline and parsed.mitigated_at is None:
        parsed.mitigated_at = first(TimelineEvent.Kind.MITIGATION)
    floor = parsed.started_at
    for name in ("detected_at", "mitigated_at"):
        moment = getattr(parsed, name)
        if moment is None:
            continue
        if (floor and moment < floor) or (parsed.resolved_at and moment > parsed.resolved_at):
            setattr(parsed, name, None)
        else:
            floor = moment
    if parsed.status == "resolved" and parsed.resolved_at is None:
        parsed.status = ""
    if not parsed.status:
        parsed.status = "resolved" if parsed.resolved_at else "investigating"
    return parsed


def _first_words(source: str) -> str:
    for raw in source.splitlines():
        text = clean(raw).strip("#*_ ")
        if text:
            return text[:80]
    return ""
