"""Dates, times and zones of a document: the zone it declares, the day it happened, the clock
times of its stamps, and the start and end its labelled lines give.
"""

import contextlib
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from core.zones import zone_or_none
from importing.errors import PostmortemImportError
from importing.parsed import ParsedPostmortem
from importing.stamps import (
    Stamp,
    StampError,
    find_date,
    read_stamp,
)
from importing.structure import clean
from importing.zone_names import ALL_ABBREVIATIONS, ANY_CASE, corrected_zone_name
from incidents.models import TimelineEvent

OFFSET_ZONE = re.compile(r"\b(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?00)?\b")
ABBREVIATION = re.compile(
    r"\b(" + "|".join(sorted(ALL_ABBREVIATIONS, key=len, reverse=True)) + r")\b"
)
# "Europe/Berlin", and as people misspell it: "America/Los Angeles", "US/Pacfic".
IANA_NAME = re.compile(
    r"\b([A-Z][A-Za-z]+/[A-Z][A-Za-z_-]+(?: [A-Z][a-z]+)?(?:/[A-Z][A-Za-z_-]+)?)(?![\w/])"
)
# A newer abbreviation counts as a zone only where a zone is written: after a time, in
# brackets, or alone ("ICT team" is a department).
_ZONE_PLACE = re.compile(r"(?:\d\s*(?:[AaPp]\.?[Mm]\.?)?\s*|\()$")

TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})?[ T]?"
    r"\b(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::\d{2})?"
    r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?))?"
    r"(?:\s*(?P<zone>(?:UTC|GMT)\s*[+-]\s*\d{1,2}|[A-Z]{2,4}\b))?"
)


DURATION = re.compile(
    r"(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>hours?|hrs?|h|minutes?|mins?|m|days?)\b", re.I
)


def _zone_exists(name: str) -> bool:
    return zone_or_none(name) is not None


LONG_ZONE_NAMES = [
    (re.compile(r"central european", re.I), "Europe/Berlin"),
    (re.compile(r"\b(?:us )?eastern(?: standard| daylight)? time\b", re.I), "America/New_York"),
    (re.compile(r"\b(?:us )?central(?: standard| daylight)? time\b", re.I), "America/Chicago"),
    (re.compile(r"\b(?:us )?mountain(?: standard| daylight)? time\b", re.I), "America/Denver"),
    (re.compile(r"\b(?:us )?pacific(?: standard| daylight)? time\b", re.I), "America/Los_Angeles"),
    (re.compile(r"\b(?:uk|british(?: summer)?|london) time\b", re.I), "Europe/London"),
    (re.compile(r"\bcoordinated universal time\b", re.I), "UTC"),
]


def iana_name(text: str) -> tuple[str, str] | None:
    """Return the region name a text writes and the zone it means, corrected when it is
    misspelt ("Europe/Berlln" → "Europe/Berlin"), or None when it writes none."""
    for match in IANA_NAME.finditer(text):
        written = match.group(1)
        # "America/Los Angeles" with its space, else the name up to the space.
        for candidate in (written, written.split(" ")[0]):
            if zone := corrected_zone_name(candidate):
                return candidate, zone
    return None


def _abbreviation(text: str, choices: dict[str, str] | None) -> str | None:
    for match in ABBREVIATION.finditer(text):
        name = match.group(1)
        alone = not re.sub(r"[\W_]", "", text.replace(name, "", 1))
        if name in ANY_CASE or alone or _ZONE_PLACE.search(text[: match.start()]):
            return (choices or {}).get(name) or ALL_ABBREVIATIONS[name]
    return None


def zone_for(text: str, choices: dict[str, str] | None = None) -> str | None:
    """Return the IANA zone a piece of text names ("GMT+2", "PST", "Europe/Berlin"), an
    ambiguous abbreviation as `choices` reads it."""
    for pattern, name in LONG_ZONE_NAMES:
        if pattern.search(text):
            return name
    offset = OFFSET_ZONE.search(text)
    if offset:
        sign, hours = offset.groups()
        if int(hours) == 0:
            return "UTC"
        # IANA's Etc/GMT zones invert the sign: GMT+2 is Etc/GMT-2. They run from
        # Etc/GMT-14 to Etc/GMT+12; an offset outside that is no zone at all.
        name = f"Etc/GMT{'-' if sign == '+' else '+'}{int(hours)}"
        return name if _zone_exists(name) else None
    if iana := iana_name(text):
        return iana[1]
    return _abbreviation(text, choices)


ZONE_DECLARATIONS = (
    re.compile(
        r"(?:time ?zone|all times(?: are)?(?: in)?|times? (?:are |shown |given )?in)"
        r"[:\s]*([^\n.;)]*)",
        re.I,
    ),
    re.compile(r"\bin ([A-Z][^\n]*?) time ?zone", re.I),
    # "## Timeline (UTC)", "| Time (PT) |", "Times (CET)"
    re.compile(r"\b(?:timeline|times?)\s*\(([^)\n]{1,40})\)", re.I),
)


def without_zone_statements(text: str) -> str:
    """Return text without its lines that only say which zone the times are in ("All times in
    Europe/Berlin."): the import keeps that as the incident's zone, not as prose."""
    kept = []
    for line in text.splitlines():
        stripped = clean(line).strip().rstrip(".").strip()
        match = ZONE_DECLARATIONS[0].fullmatch(stripped)
        if match and zone_for(match.group(1)):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def _refuse_unknown_zone(text: str, line: int) -> None:
    """Raise when text names a zone that does not exist, rather than guess UTC for it."""
    offset = OFFSET_ZONE.search(text)
    if offset and zone_for(offset.group(0)) is None:
        raise PostmortemImportError(
            f"{offset.group(0)!r} is not a real offset; they run from UTC-12 to UTC+14", line
        )
    iana = IANA_NAME.search(text)
    if iana and not offset and not iana_name(text):
        raise PostmortemImportError(
            f"{iana.group(1)!r} is not a time zone; use a name such as Europe/Berlin, "
            "an offset such as GMT+2, or UTC",
            line,
        )


def _say_correction(text: str, number: int, warnings: list[str]) -> None:
    iana = iana_name(text)
    if iana and iana[0] != iana[1]:
        warnings.append(
            f"line {number}: {iana[0]!r} is no time zone; read as {iana[1]}, "
            "choose the zone on import if the document means another"
        )


def document_zone(
    source: str, choices: dict[str, str] | None = None, warnings: list[str] | None = None
) -> tuple[str, str, str]:
    """Return the zone declared for the document ("All times GMT+2", "Timeline (UTC)"), why
    it was chosen, and the complaint when the declared zone does not exist. A misspelt
    region name is read as the zone it is close to, with a warning in `warnings`."""
    warnings = [] if warnings is None else warnings
    lines = [(number, clean(text)) for number, text in enumerate(source.splitlines(), 1)]
    for pattern in ZONE_DECLARATIONS:
        for number, text in lines:
            for match in pattern.finditer(text):
                try:
                    _refuse_unknown_zone(match.group(1), number)
                except PostmortemImportError as error:
                    return "UTC", "", str(error)
                zone = zone_for(match.group(1), choices)
                if zone:
                    _say_correction(match.group(1), number, warnings)
                    return zone, f"declared on line {number}: {match.group(0).strip()!r}", ""
    for number, text in lines:
        zone = zone_for(text, choices)
        if zone:
            _say_correction(text, number, warnings)
            return zone, f"the first zone named, on line {number}", ""
    return "UTC", "no zone is named in the document; UTC assumed", ""


def stamp_tzinfo(text: str, choices: dict[str, str] | None = None):
    """Return the tzinfo a stamp's own zone names (None for none), and the complaint when
    it names no real zone."""
    if not text:
        return None, ""
    if re.fullmatch(r"[+-]\d{2}:\d{2}", text):
        sign = 1 if text[0] == "+" else -1
        offset = timedelta(hours=int(text[1:3]), minutes=int(text[4:6]))
        return timezone(sign * offset), ""
    name = zone_for(text.upper() if len(text) <= 5 else text, choices)
    if name is None:
        return None, f"{text!r} is not a real zone"
    return ZoneInfo(name), ""


def stamp_day(stamp: Stamp, base_day: date) -> date | None:
    """Return the day a stamp names, in the year of base_day when it names none."""
    if stamp.day:
        return stamp.day
    if stamp.month_day:
        month, mday = stamp.month_day
        try:
            return date(base_day.year, month, mday)
        except ValueError:
            return None
    return None


PROSE_TIME = re.compile(
    r"\b(?:at|from|since|around|starting at)\s+"
    r"(?=(?:~|approximately |approx\. |about |around |ca\. )?\d{1,2}:\d{2})",
    re.I,
)


def start_from_prose(source: str, day: date, zone, warnings: list[str]) -> datetime | None:
    """Return the first time a document without a timeline writes in its text ("At 9:37AM
    PST, ..."), on the document's day; say so, since it is a guess at what started when."""
    for number, raw in enumerate(source.splitlines(), start=1):
        for match in PROSE_TIME.finditer(clean(raw)):
            try:
                stamp = read_stamp(clean(raw)[match.end() :])
            except StampError:
                continue
            if stamp is None or stamp.clock is None:
                continue
            stamp_zone, error = stamp_tzinfo(stamp.zone)
            if error:
                continue
            warnings.append(
                f"line {number}: no timeline; the start is the first time the text names "
                f"({stamp.clock:%H:%M}), check it"
            )
            return datetime.combine(stamp.day or day, stamp.clock, tzinfo=stamp_zone or zone)
    return None


DATE_LABEL = re.compile(r"^\W*(?:incident )?date\W*:\W*(.+)$", re.I | re.M)


def incident_day(raw_events, fields, title, source, warnings, default_date) -> date:
    """Return the incident's first day as the document writes it: a dated entry, a date
    field, the title, the opening lines; the caller's date only as the last resort."""
    for raw in raw_events:
        if raw.stamp and raw.stamp.day:
            return raw.stamp.day
    for key in ("date", "start", "started", "incident date", "when"):
        if fields.get(key) and (day := find_date(fields[key])):
            return day
    for match in DATE_LABEL.finditer(source):
        if day := find_date(clean(match.group(1))):
            return day
    for text in (title, "\n".join(source.splitlines()[:15])):
        if day := find_date(clean(text)):
            return day
    year = re.search(r"\b(19[5-9]\d|20\d\d)\b", clean(f"{title}\n{source[:2000]}"))
    month_days = [raw.stamp.month_day for raw in raw_events if raw.stamp and raw.stamp.month_day]
    if year and month_days:
        # "[May 24 16:36 UTC]" under a title that names the year.
        with contextlib.suppress(ValueError):
            return date(int(year.group(1)), *month_days[0])
    for raw_line in source.splitlines():
        text = clean(raw_line).lstrip("#*_ ")
        with contextlib.suppress(StampError):
            stamp = read_stamp(text)
            if stamp and stamp.month_day:
                with contextlib.suppress(ValueError):
                    day = date(default_date.year, *stamp.month_day)
                    warnings.append(f"the document gives no year; the incident is placed on {day}")
                    return day
    warnings.append(f"the document gives no date; the incident is placed on {default_date}")
    return default_date


def parse_clock(stamp: str, line: int) -> tuple[date | None, time]:
    """Return the date (if written) and time of a stamp like '9:00 AM' or '2023-05-01 14:32'."""
    match = TIME.search(stamp)
    if not match:
        raise PostmortemImportError(f"{stamp!r} is not a time", line)
    hour, minute = int(match["hour"]), int(match["minute"])
    ampm = (match["ampm"] or "").replace(".", "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise PostmortemImportError(f"{stamp.strip()!r} is not a time on a 12-hour clock", line)
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise PostmortemImportError(f"{stamp.strip()!r} is not a valid time of day", line)
    day = None
    if match["date"]:
        try:
            day = date.fromisoformat(match["date"])
        except ValueError:
            raise PostmortemImportError(f"{match['date']!r} is not a valid date", line) from None
    return day, time(hour, minute)


def _duration(text: str) -> timedelta | None:
    total = timedelta()
    found = False
    for match in DURATION.finditer(text.split("(")[0]):
        found = True
        amount, unit = float(match["amount"]), match["unit"].lower()
        if unit.startswith("d"):
            total += timedelta(days=amount)
        elif unit.startswith("h"):
            total += timedelta(hours=amount)
        else:
            total += timedelta(minutes=amount)
    return total if found else None


def times_from_fields(parsed: ParsedPostmortem, fields: dict, base_day: date, at) -> None:
    """Set the start and end from the labelled lines (duration, start, end), else from the
    timeline; raise PostmortemImportError for a time that is no time."""
    duration_text = fields.get("duration", "")
    stamps = [m for m in TIME.finditer(duration_text)] if duration_text else []
    start = end = None
    if len(stamps) >= 2:
        start_day, start_clock = parse_clock(stamps[0].group(0), None)
        end_day, end_clock = parse_clock(stamps[1].group(0), None)
        start = at(start_day or base_day, start_clock, zone_for(stamps[0].group(0)))
        end = at(end_day or base_day, end_clock, zone_for(stamps[1].group(0)))
    for key in ("start", "started"):
        if start is None and fields.get(key) and TIME.search(fields[key]):
            day, clock = parse_clock(fields[key], None)
            start = at(day or base_day, clock, zone_for(fields[key]))
    for key in ("end", "resolved"):
        if end is None and fields.get(key) and TIME.search(fields[key]):
            day, clock = parse_clock(fields[key], None)
            end = at(day or base_day, clock, zone_for(fields[key]))
    if start is None and parsed.events:
        start = parsed.events[0].occurred_at
    length = _duration(duration_text) if duration_text else None
    if end is None and start is not None and length:
        end = start + length
    if end is None and parsed.events:
        resolutions = [e for e in parsed.events if e.kind == TimelineEvent.Kind.RESOLUTION]
        end = (resolutions or parsed.events)[-1].occurred_at
    parsed.started_at, parsed.resolved_at = start, end
