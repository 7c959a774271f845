"""Read postmortems that teams already wrote (Markdown, with HTML mixed in) into structured data.

The parser is forgiving about shape and strict about facts: headings of any level and common
names, timelines as headings, bullets, tables or plain lines, action items as headings,
bullets, checkboxes or tables. Text it cannot place is kept as unplaced narrative, never
dropped. A fact it cannot read (a time of 25:61, a due date of 2026-13-40) is an error that
names the line.
"""

import contextlib
import html
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from markdown_it import MarkdownIt

from core.zones import zone_or_none
from incidents.models import ActionItem, Cause, TimelineEvent
from postmortems.stamps import ZONE_ABBREVIATIONS, Stamp, StampError, find_date, read_stamp


class PostmortemImportError(ValueError):
    """The document cannot be read; the message names the line."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass
class ParsedEvent:
    occurred_at: datetime
    description: str
    kind: str
    line: int
    is_dead_end: bool = False


@dataclass
class ParsedCause:
    role: str
    category: str
    description: str
    resolution: str = ""


@dataclass
class ParsedActionItem:
    title: str
    description: str = ""
    kind: str = ActionItem.Kind.PREVENT
    owner: str = ""
    due_date: date | None = None
    status: str = ActionItem.Status.OPEN
    priority: str = ActionItem.Priority.P3
    tracker_url: str = ""
    # The causes it addresses, by their text on one line (as our own export names them).
    addresses: list[str] = field(default_factory=list)


@dataclass
class ParsedSection:
    """Text of a section other than the built-in ones, by the key of a template's section."""

    key: str
    title: str
    body: str


@dataclass
class ParsedPostmortem:
    title: str
    time_zone: str
    started_at: datetime | None
    resolved_at: datetime | None
    severity: str = "SEV3"
    summary: str = ""
    impact: str = ""
    users_affected: str = ""
    events: list[ParsedEvent] = field(default_factory=list)
    causes: list[ParsedCause] = field(default_factory=list)
    action_items: list[ParsedActionItem] = field(default_factory=list)
    resolution: str = ""
    trigger: str = ""
    detection: str = ""
    went_well: str = ""
    went_wrong: str = ""
    got_lucky: str = ""
    closing_remarks: str = ""
    unplaced_text: str = ""
    # A team template's own sections, and the template an export of ours was written in.
    sections: list[ParsedSection] = field(default_factory=list)
    template: str = ""
    detected_at: datetime | None = None
    mitigated_at: datetime | None = None
    status: str = ""
    zone_reason: str = ""
    # Doubts about the document, each naming its line: read as far as it could be.
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        """Return the parsed data as plain JSON values (ISO dates and times)."""

        def plain(value):
            if isinstance(value, datetime | date):
                return value.isoformat()
            if isinstance(value, dict):
                return {key: plain(item) for key, item in value.items()}
            if isinstance(value, list):
                return [plain(item) for item in value]
            return value

        data = plain(asdict(self))
        for event in data["events"]:
            event.pop("line")
        return data


# --- Section names ---------------------------------------------------------------------

SECTION_NAMES = {
    "summary": ["summary", "issue summary", "executive summary", "overview", "incident summary"],
    "impact": ["impact", "customer impact", "user impact"],
    "root_cause": ["root cause", "root causes", "cause", "causes", "root cause analysis"],
    "root_cause_and_resolution": ["root cause and resolution", "root cause & resolution"],
    "contributing": ["contributing factors", "contributing factor", "contributing causes"],
    "trigger": ["trigger"],
    "resolution": ["resolution", "resolution and recovery", "recovery", "mitigation"],
    "detection": ["detection", "how it was detected"],
    "timeline": ["timeline", "incident timeline", "timeline of events", "sequence of events"],
    "action_items": [
        "action items",
        "corrective and preventative measures",
        "corrective and preventive measures",
        "corrective actions",
        "preventive measures",
        "preventative measures",
        "follow-ups",
        "follow ups",
        "followups",
        "follow-up items",
        "next steps",
        "remediation",
        "remediation items",
    ],
    "lessons": ["lessons learned", "lessons", "learnings"],
    "went_well": ["what went well", "things that went well"],
    "went_wrong": ["what went wrong", "things that went wrong", "what went poorly"],
    "got_lucky": ["where we got lucky", "where we were lucky", "what we got lucky with"],
}
_SECTION_BY_NAME = {name: key for key, names in SECTION_NAMES.items() for name in names}

HTML_HEADING = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1\s*>", re.IGNORECASE | re.DOTALL)
MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$")
# Only HTML's own tags: "<START OF OUTAGE>" in a timeline is text.
TAG = re.compile(
    r"</?(?:p|b|i|u|s|em|strong|span|div|br|hr|a|h[1-6]|ul|ol|li|code|pre|table|thead|tbody|"
    r"tr|td|th|img|sub|sup|blockquote|details|summary|del|ins|mark|small|font|center)\b[^>]*>",
    re.I,
)
BOLD_LABEL = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?\s*([A-Za-z][A-Za-z /&-]{1,40}?)\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.*)$"
)


# Words that name a section wherever they stand in its heading, checked in this order.
SECTION_WORDS = [
    ("root_cause_and_resolution", r"root cause (?:and|&) resolution"),
    ("contributing", r"contributing"),
    ("went_well", r"went well"),
    ("went_wrong", r"went (?:wrong|poorly|badly)|didn'?t go well"),
    ("got_lucky", r"got lucky|were lucky"),
    ("lessons", r"lessons? learn|learnings"),
    ("timeline", r"timeline|sequence of events|chronology"),
    (
        "action_items",
        r"action items?|follow[- ]?ups?|next steps|remediations?|corrective|preventi?v|"
        r"what we(?:'ll| will) do|what we(?:'re| are) doing|actions? (?:taken|planned)|"
        r"^actions?$|^to-?dos?$|preventing (?:this|recurrence)|^improv|steps to improve|"
        r"where do we go from here|going forward|less likely|^prevention|"
        r"^improvements$|^mitigations? (?:and|&) (?:prevention|follow)",
    ),
    ("root_cause", r"root cause|^causes?$|^what happened and why"),
    ("impact", r"impact"),
    ("summary", r"summary|^overview$"),
    ("detection", r"^detection$|how (?:it|we) (?:was )?detected"),
    ("trigger", r"^trigger$"),
    ("resolution", r"^resolution|^recovery$|^mitigation$"),
]


def heading_name(heading: str) -> str:
    """Return a heading as the section tables name it: lower case, without numbering."""
    name = re.sub(r"\(.*?\)", "", heading).strip().strip(":").strip().lower()
    name = re.sub(r"^[\W\d]+[.)]?\s*", "", name)  # "3. Timeline", emoji
    return name.strip(" :*_")


def _section_key(
    heading: str, *, fuzzy: bool = True, names: dict[str, str] | None = None
) -> str | None:
    name = heading_name(heading)
    if names and name in names:  # the template's own titles and synonyms come first
        return names[name]
    if name in _SECTION_BY_NAME:
        return _SECTION_BY_NAME[name]
    if len(name) > 60 or not fuzzy:
        return None
    for key, pattern in SECTION_WORDS:
        if re.search(pattern, name):
            return key
    return None


def _clean(text: str) -> str:
    """Strip HTML tags and entities, keep Markdown."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
    return html.unescape(TAG.sub("", text)).strip()


# --- Lines into blocks ------------------------------------------------------------------


@dataclass
class Line:
    number: int
    text: str
    # The source line opened an HTML paragraph: it never continues the line above.
    starts_paragraph: bool = False
    # What the Markdown parser made of the line: "text" (a paragraph or HTML), "item" (the
    # first line of a top-level list item), "cont" (the rest of a list item, sub-bullets
    # included), "table", or "code", "quote" and "image", which are never entries or items.
    kind: str = "text"
    # The parser's block the line belongs to: text glues onto an entry of the same block.
    block: int = 0

    @property
    def verbatim(self) -> bool:
        return self.kind in {"code", "quote", "image"}


@dataclass
class Block:
    """A heading and the lines under it, up to the next heading."""

    level: int
    heading: str
    line: int
    body: list[Line] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(line.text for line in self.body).strip()


_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
IMAGE_ONLY = re.compile(r"^\s*(?:!\[[^\]]*\]\([^)]*\)\s*)+$|^\s*<img\b[^>]*>\s*$", re.I)


def _line_kinds(source: str) -> tuple[dict[int, tuple[str, int]], dict[int, tuple[int, str]]]:
    """Return what each source line is (kind, block id), and the headings by line, 1-based,
    as markdown-it's line maps tell."""
    kinds: dict[int, tuple[str, int]] = {}
    headings: dict[int, tuple[int, str]] = {}
    tokens = _MARKDOWN.parse(source)
    containers = 0  # depth in block quotes and lists
    for index, token in enumerate(tokens):
        if token.type in {"blockquote_open", "bullet_list_open", "ordered_list_open"}:
            if containers == 0 and token.map:
                start, end = token.map
                if token.type == "blockquote_open":
                    for number in range(start + 1, end + 1):
                        kinds[number] = ("quote", index)
                else:
                    for number in range(start + 1, end + 1):
                        kinds.setdefault(number, ("cont", index))
            containers += 1
        elif token.type in {"blockquote_close", "bullet_list_close", "ordered_list_close"}:
            containers -= 1
        elif token.type == "list_item_open" and token.map and containers == 1:
            kinds[token.map[0] + 1] = ("item", index)
            for number in range(token.map[0] + 2, token.map[1] + 1):
                kinds[number] = ("cont", index)
        elif containers or not token.map:
            continue
        elif token.type == "heading_open":
            inline = tokens[index + 1]
            headings[token.map[0] + 1] = (int(token.tag[1]), inline.content)
            for number in range(token.map[0] + 1, token.map[1] + 1):
                kinds[number] = ("heading", index)
        elif token.type in {"fence", "code_block"}:
            for number in range(token.map[0] + 1, token.map[1] + 1):
                kinds[number] = ("code", index)
        elif token.type == "table_open":
            for number in range(token.map[0] + 1, token.map[1] + 1):
                kinds[number] = ("table", index)
        elif token.type == "paragraph_open":
            inline = tokens[index + 1]
            kind = "image" if IMAGE_ONLY.match(inline.content) else "text"
            for number in range(token.map[0] + 1, token.map[1] + 1):
                kinds[number] = (kind, index)
        elif token.type == "html_block":
            for number in range(token.map[0] + 1, token.map[1] + 1):
                kinds[number] = ("html", index)
        elif token.type == "hr":
            for number in range(token.map[0] + 1, token.map[1] + 1):
                kinds[number] = ("hr", index)
    return kinds, headings


def _split_blocks(source: str) -> list[Block]:
    blocks = [Block(level=0, heading="", line=0)]
    kinds, headings = _line_kinds(source)
    for number, raw in enumerate(source.splitlines(), start=1):
        kind, block_id = kinds.get(number, ("blank", -number))
        if kind == "heading" and number not in headings:
            continue  # the underline of a setext heading
        html_heading = HTML_HEADING.search(raw) if kind in {"html", "text", "heading"} else None
        if html_heading:
            level = int(html_heading.group(1))
            heading = _clean(html_heading.group(2))
            rest = _clean(raw[html_heading.end() :])
            blocks.append(Block(level=level, heading=heading, line=number))
            if rest:
                blocks[-1].body.append(Line(number, rest, starts_paragraph=True, block=-number))
        elif kind == "heading":
            level, text = headings[number]
            if _clean(text):
                blocks.append(Block(level=level, heading=_clean(text), line=number))
        elif kind in {"code", "quote", "image", "hr"}:
            blocks[-1].body.append(Line(number, raw.rstrip(), kind=kind, block=block_id))
        else:
            starts = raw.lstrip().lower().startswith("<p")
            if kind == "html":
                # HTML lines are each their own paragraph, or a list item.
                kind = "item" if raw.lstrip().lower().startswith("<li") else "text"
                block_id = -number
            blocks[-1].body.append(
                Line(number, _clean(raw), starts_paragraph=starts, kind=kind, block=block_id)
            )
    return blocks


@dataclass
class Section:
    key: str | None
    heading: str
    line: int
    blocks: list[Block]

    def text(self) -> str:
        parts = [self.blocks[0].text()]
        for block in self.blocks[1:]:
            heading = f"**{block.heading}** " if block.heading else ""
            parts.append(f"{heading}{block.text()}".strip())
        return "\n\n".join(part for part in parts if part).strip()


def _sections(
    blocks: list[Block], names: dict[str, str] | None = None
) -> tuple[str, list[Section]]:
    """Group blocks into known sections; a heading that is no known name belongs to the
    section above it (a timeline entry, a measure), unless it is as high as that section's."""
    title = ""
    sections: list[Section] = [Section(key=None, heading="", line=0, blocks=[blocks[0]])]
    for block in blocks[1:]:
        current = sections[-1]
        # The first top heading names the incident ("Broken timeline") unless it is
        # exactly a section's name.
        fuzzy = bool(title) or block.level > 1 or current.key is not None
        key = _section_key(block.heading, fuzzy=fuzzy, names=names)
        current_level = current.blocks[0].level if current.key else 0
        if current.key == "timeline" and key is None and _is_stamp_heading(block.heading):
            current.blocks.append(block)  # "## May 12" inside a timeline is a date, not a section
            continue
        if (
            key is None
            and not title
            and block.level <= 2
            and not sections[-1].key
            and not _is_stamp_heading(block.heading)
        ):
            title = block.heading
            sections[0].blocks.append(
                Block(level=block.level, heading="", line=block.line, body=block.body)
            )
            continue
        if (
            key is not None
            or (current.key is None and block.level > 0)
            or (current.key and block.level <= current_level)
        ):
            sections.append(
                Section(key=key, heading=block.heading, line=block.line, blocks=[block])
            )
        else:
            current.blocks.append(block)
    return title, sections


def _is_stamp_heading(heading: str) -> bool:
    """Return whether a heading is a date or time alone ("May 12", "2020-10-21 (UTC)")."""
    stamp, rest, error = split_entry(heading)
    return bool(error) or (stamp is not None and not re.search(r"\w", re.sub(r"\(.*?\)", "", rest)))


# --- Times and zones ----------------------------------------------------------------------

OFFSET_ZONE = re.compile(r"\b(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?00)?\b")
ABBREVIATION = re.compile(
    r"\b(" + "|".join(sorted(ZONE_ABBREVIATIONS, key=len, reverse=True)) + r")\b"
)
IANA_NAME = re.compile(r"\b([A-Z][A-Za-z]+/[A-Z][A-Za-z_-]+(?:/[A-Z][A-Za-z_-]+)?)\b")

TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})?[ T]?"
    r"\b(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::\d{2})?"
    r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?))?"
    r"(?:\s*(?P<zone>(?:UTC|GMT)\s*[+-]\s*\d{1,2}|[A-Z]{2,4}\b))?"
)
ENTRY_START = re.compile(
    r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*|__)?\s*\[?"
    r"(?P<stamp>(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?"
    r"(?:\s*(?:(?:UTC|GMT)\s*[+-]\s*\d{1,2}|[A-Z]{2,4}\b))?)\]?\s*(?:\*\*|__)?"
    r"\s*(?:[:\-–—|]\s*|\s)?(?:\*\*|__)?\s*(?P<text>.*)$"
)
DEAD_END = re.compile(r"\s*[*_]?\((?:dead[ -]end|did not help|red herring)\)[*_]?[.;]?\s*$", re.I)
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


def zone_for(text: str) -> str | None:
    """Return the IANA zone a piece of text names ("GMT+2", "PST", "Europe/Berlin")."""
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
    iana = IANA_NAME.search(text)
    if iana and _zone_exists(iana.group(1)):
        return iana.group(1)
    abbreviation = ABBREVIATION.search(text)
    if abbreviation:
        return ZONE_ABBREVIATIONS[abbreviation.group(1)]
    return None


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


def _refuse_unknown_zone(text: str, line: int) -> None:
    """Raise when text names a zone that does not exist, rather than guess UTC for it."""
    offset = OFFSET_ZONE.search(text)
    if offset and zone_for(offset.group(0)) is None:
        raise PostmortemImportError(
            f"{offset.group(0)!r} is not a real offset; they run from UTC-12 to UTC+14", line
        )
    iana = IANA_NAME.search(text)
    if iana and not offset and not _zone_exists(iana.group(1)):
        raise PostmortemImportError(
            f"{iana.group(1)!r} is not a time zone; use a name such as Europe/Berlin, "
            "an offset such as GMT+2, or UTC",
            line,
        )


def _document_zone(source: str) -> tuple[str, str, str]:
    """Return the zone declared for the document ("All times GMT+2", "Timeline (UTC)"), why
    it was chosen, and the complaint when the declared zone does not exist."""
    lines = [(number, _clean(text)) for number, text in enumerate(source.splitlines(), 1)]
    for pattern in ZONE_DECLARATIONS:
        for number, text in lines:
            for match in pattern.finditer(text):
                try:
                    _refuse_unknown_zone(match.group(1), number)
                except PostmortemImportError as error:
                    return "UTC", "", str(error)
                zone = zone_for(match.group(1))
                if zone:
                    return zone, f"declared on line {number}: {match.group(0).strip()!r}", ""
    for number, text in lines:
        zone = zone_for(text)
        if zone:
            return zone, f"the first zone named, on line {number}", ""
    return "UTC", "no zone is named in the document; UTC assumed", ""


def _stamp_zone(text: str):
    """Return the tzinfo a stamp's own zone names (None for none), and the complaint when
    it names no real zone."""
    if not text:
        return None, ""
    if re.fullmatch(r"[+-]\d{2}:\d{2}", text):
        sign = 1 if text[0] == "+" else -1
        offset = timedelta(hours=int(text[1:3]), minutes=int(text[4:6]))
        return timezone(sign * offset), ""
    name = zone_for(text.upper() if len(text) <= 5 else text)
    if name is None:
        return None, f"{text!r} is not a real zone"
    return ZoneInfo(name), ""


def _stamp_day(stamp: Stamp, base_day: date) -> date | None:
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


def _start_from_prose(source: str, day: date, zone, warnings: list[str]) -> datetime | None:
    """Return the first time a document without a timeline writes in its text ("At 9:37AM
    PST, ..."), on the document's day; say so, since it is a guess at what started when."""
    for number, raw in enumerate(source.splitlines(), start=1):
        for match in PROSE_TIME.finditer(_clean(raw)):
            try:
                stamp = read_stamp(_clean(raw)[match.end() :])
            except StampError:
                continue
            if stamp is None or stamp.clock is None:
                continue
            stamp_zone, error = _stamp_zone(stamp.zone)
            if error:
                continue
            warnings.append(
                f"line {number}: no timeline; the start is the first time the text names "
                f"({stamp.clock:%H:%M}), check it"
            )
            return datetime.combine(stamp.day or day, stamp.clock, tzinfo=stamp_zone or zone)
    return None


def _first_words(source: str) -> str:
    for raw in source.splitlines():
        text = _clean(raw).strip("#*_ ")
        if text:
            return text[:80]
    return ""


DATE_LABEL = re.compile(r"^\W*(?:incident )?date\W*:\W*(.+)$", re.I | re.M)


def _base_day(raw_events, fields, title, source, warnings, default_date) -> date:
    """Return the incident's first day as the document writes it: a dated entry, a date
    field, the title, the opening lines; the caller's date only as the last resort."""
    for raw in raw_events:
        if raw.stamp and raw.stamp.day:
            return raw.stamp.day
    for key in ("date", "start", "started", "incident date", "when"):
        if fields.get(key) and (day := find_date(fields[key])):
            return day
    for match in DATE_LABEL.finditer(source):
        if day := find_date(_clean(match.group(1))):
            return day
    for text in (title, "\n".join(source.splitlines()[:15])):
        if day := find_date(_clean(text)):
            return day
    year = re.search(r"\b(19[5-9]\d|20\d\d)\b", _clean(f"{title}\n{source[:2000]}"))
    month_days = [raw.stamp.month_day for raw in raw_events if raw.stamp and raw.stamp.month_day]
    if year and month_days:
        # "[May 24 16:36 UTC]" under a title that names the year.
        with contextlib.suppress(ValueError):
            return date(int(year.group(1)), *month_days[0])
    for raw_line in source.splitlines():
        text = _clean(raw_line).lstrip("#*_ ")
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


# --- Classification -------------------------------------------------------------------------

EVENT_KINDS = [
    (
        TimelineEvent.Kind.RESOLUTION,
        r"fully restored|resolved|back to normal|returns? to normal|recovered|all clear|"
        r"closed the incident|service restored|resumed? at full",
    ),
    (
        TimelineEvent.Kind.MITIGATION,
        r"corrected|rolled back|roll(ed)? ?back|restart|mitigat|failover|failed over|reverted|fix(ed)? (was )?deployed|patched",
    ),
    (
        TimelineEvent.Kind.DETECTION,
        r"detect|alert(ed)? fired|alerts? fires?|paged|pager fires|pages? the|first alerts|"
        r"noticed|reported",
    ),
    (TimelineEvent.Kind.ESCALATION, r"escalat|paged in|called in|incident declared"),
    (TimelineEvent.Kind.HYPOTHESIS, r"assum|hypothes|suspect|thought|might be|could be"),
    (
        TimelineEvent.Kind.COMMUNICATION,
        r"status page|announce|communicat|customers were|notified|posted",
    ),
    (
        TimelineEvent.Kind.INVESTIGATION,
        r"investigat|debug|explor|analy|identified|looked|checked|examin",
    ),
]
EVENT_KIND_NAMES = {
    name: value
    for value, label in TimelineEvent.Kind.choices
    for name in (value, str(label).lower())
}
CAUSE_CATEGORIES = [
    (Cause.Category.CONFIGURATION, r"config|misconfig|setting"),
    (Cause.Category.CODE_CHANGE, r"deploy|release|code|bug|commit|migration"),
    (Cause.Category.CAPACITY, r"capacity|overload|traffic|load|exhaust|quota|limit"),
    (Cause.Category.DEPENDENCY, r"dependency|third[- ]party|vendor|upstream|provider|library"),
    (Cause.Category.INFRASTRUCTURE, r"network|server|disk|hardware|dns|certificate|host|cluster"),
    (Cause.Category.PROCESS, r"process|procedure|runbook|reminder|nobody owned"),
    (Cause.Category.HUMAN_FACTORS, r"human|manual|typo|mistake|operator"),
]
ACTION_KINDS = [
    (ActionItem.Kind.DETECT, r"monitor|alert|detect|dashboard|observab|page on|paging"),
    (ActionItem.Kind.DOCUMENTATION, r"document|knowledge|runbook|wiki|write[- ]up|share"),
    (ActionItem.Kind.PROCESS, r"process|protocol|training|review|roles|on-?call|policy"),
    (ActionItem.Kind.MITIGATE, r"mitigat|rollback|failover|circuit breaker|fallback"),
]
STATUS_WORDS = [
    (
        ActionItem.Status.DONE,
        r"^(✅\s*)?(done|complete[d]?|closed|fixed|finished|resolved|yes|✅)$",
    ),
    (ActionItem.Status.IN_PROGRESS, r"^(in[ -]?progress|wip|started|ongoing|doing)$"),
    (ActionItem.Status.WONT_DO, r"^(won'?t ?(do|fix)|wontfix|cancell?ed|dropped|rejected)$"),
    (ActionItem.Status.OPEN, r"^(open|to ?do|todo|not started|planned|pending|new|-|)$"),
]


def _classify(text: str, table, default):
    lowered = text.lower()
    for value, pattern in table:
        if re.search(pattern, lowered):
            return value
    return default


def _status(text: str, line: int) -> str:
    cleaned = text.strip().strip("*_`").strip().lower()
    for value, pattern in STATUS_WORDS:
        if re.search(pattern, cleaned):
            return value
    raise PostmortemImportError(
        f"{text.strip()!r} is not a status (open, in progress, done, won't do)", line
    )


def _due(text: str, line: int) -> date | None:
    text = text.strip().strip("*_`")
    if not text or text in {"-", "—", "tbd", "TBD", "n/a"}:
        return None
    match = re.search(r"\d{4}-\d{1,2}-\d{1,2}", text)
    if not match:
        raise PostmortemImportError(f"{text!r} is not a due date; write it as YYYY-MM-DD", line)
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in match.group(0).split("-")))
    except ValueError:
        raise PostmortemImportError(f"{match.group(0)!r} is not a valid date", line) from None


# --- Tables ---------------------------------------------------------------------------------


def _table_rows(lines: list[Line]) -> tuple[list[str], list[tuple[Line, list[str]]]] | None:
    rows = [line for line in lines if line.text.strip().startswith("|")]
    if len(rows) < 2:
        return None

    def cells(text: str) -> list[str]:
        return [cell.strip() for cell in text.strip().strip("|").split("|")]

    header = [cell.lower().strip("*_ ") for cell in cells(rows[0].text)]
    body = [
        (line, cells(line.text))
        for line in rows[1:]
        if not re.match(r"^\s*\|?\s*:?-{2,}", line.text)
    ]
    return header, body


def _column(header: list[str], *names: str) -> int | None:
    for index, cell in enumerate(header):
        if any(cell == name or cell.startswith(name) for name in names):
            return index
    return None


# --- The parser -----------------------------------------------------------------------------


@dataclass
class _RawEvent:
    stamp: Stamp | None
    text: str
    line: int
    # Why the time cannot be read (25:61, a 5-digit year), or "" when it can.
    error: str = ""
    # The entry came from a heading or a table row: text below a heading is its own.
    from_heading: bool = False
    block: int = 0
    # A date heading or date-only line: it sets the day of the entries below it.
    day_marker: bool = False


ENTRY_MARKUP = re.compile(r"^\s*(?:[-*+]\s+(?:\[[ xX✓]\]\s*)?|\d+[.)]\s+)?(?P<open>[*_`\[(]*)\s*")
AFTER_STAMP = re.compile(r"^\s*[*_`\])]*\s*(?:[:\-–—|]+\s*|\s)?\s*[*_`]*\s*")


UNKNOWN_ZONE = re.compile(r"\s*\(?([A-Z]{2,5}[+-]\d{1,2}(?::?\d{2})?)\)?(?=[\s:]|$)")


def split_entry(text: str) -> tuple[Stamp | None, str, str]:
    """Return the stamp an entry starts with (bullets and markup aside), the rest of its
    text, and the error when the stamp is no real moment."""
    lead = ENTRY_MARKUP.match(text)
    body = text[lead.end() :]
    try:
        stamp = read_stamp(body)
    except StampError as error:
        return None, text.strip(), str(error)
    if stamp is None:
        return None, text.strip(), ""
    rest = body[stamp.length :]
    if stamp.clock and (odd := UNKNOWN_ZONE.match(rest)):
        return None, text.strip(), f"{odd.group(1)!r} is not a time zone it knows"
    rest = rest[AFTER_STAMP.match(rest).end() :]
    if stamp.end:
        rest = f"{rest} (until {stamp.end})".strip()
    if stamp.approximate:
        rest = f"{rest} (time approximate)".strip()
    return stamp, rest.strip(), ""


BARE_HHMM = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?([01]\d|2[0-3])([0-5]\d)\s+(?=\S)")


def _timeline_entries(section: Section) -> tuple[list[_RawEvent], list[str]]:
    """Return the entries of a timeline section in document order, date headings among them,
    and the text that is no entry."""
    entries: list[_RawEvent] = []
    leftovers: list[str] = []

    def last_entry() -> _RawEvent | None:
        return next((e for e in reversed(entries) if not e.day_marker), None)

    def add(text: str, line: int, *, from_heading=False, block=0, must=False) -> bool:
        stamp, rest, error = split_entry(text)
        if stamp is None and not error and (bare := BARE_HHMM.match(text)):
            # Inside a timeline, "0812 payment page slow" is a time even before a lowercase word.
            clock = time(int(bare[1]), int(bare[2]))
            stamp = Stamp(None, clock, "", "", month_day=None, approximate=False, length=0)
            rest = text[bare.end() :].strip()
        if error:
            entries.append(_RawEvent(None, text.strip(), line, error=error, block=block))
            return True
        if stamp and stamp.clock is None:
            entries.append(_RawEvent(stamp, "", line, day_marker=True, block=block))
            if re.search(r"\w", re.sub(r"\(.*?\)", "", rest)):
                # "**May 12** the deploy started": an entry without a time
                entries.append(_RawEvent(None, rest, line, block=block))
            return True
        if stamp:
            entries.append(_RawEvent(stamp, rest, line, from_heading=from_heading, block=block))
            return True
        if must:
            entries.append(_RawEvent(None, rest, line, block=block))
            return True
        return False

    for block in section.blocks:
        if block is not section.blocks[0] and not add(block.heading, block.line, from_heading=True):
            leftovers.append(f"**{block.heading}**")
        table_lines = [line for line in block.body if line.kind == "table"]
        if table_lines:
            _table_entries(table_lines, entries, leftovers)
        for line in block.body:
            text = line.text.strip()
            if not text or line.kind in {"table", "hr", "blank"}:
                continue
            previous = last_entry()
            if line.verbatim:
                leftovers.append(line.text)
            elif line.kind == "item":
                add(text, line.number, block=line.block, must=True)
            elif line.kind == "cont":
                if previous is not None and previous.block == line.block:
                    previous.text = f"{previous.text}\n{text}".strip()
                else:
                    leftovers.append(text)
            elif add(text, line.number, block=line.block):
                continue
            elif previous is not None and (previous.from_heading or previous.block == line.block):
                previous.text = f"{previous.text}\n{text}".strip()
            else:
                leftovers.append(text)
    return entries, leftovers


def _looks_like_timeline(section: Section) -> bool:
    """Return whether most list items or table rows of a section start with a time."""
    lines, seen = [], set()
    for block in section.blocks:
        for line in block.body:
            first_of_paragraph = line.kind == "text" and line.block not in seen
            seen.add(line.block)
            if (line.kind in {"item", "table"} or first_of_paragraph) and not re.match(
                r"^\s*\|?\s*:?-{3,}", line.text
            ):
                lines.append(line)
    timed = sum(
        1 for line in lines if (stamp := split_entry(line.text.strip("| "))[0]) and stamp.clock
    )
    return timed >= 2 and timed * 2 >= len(lines)


def _table_entries(lines: list[Line], entries: list[_RawEvent], leftovers: list[str]) -> None:
    table = _table_rows(lines)
    if table is None:
        leftovers += [line.text for line in lines]
        return
    header, rows = table
    time_col = _column(header, "time", "when", "timestamp", "start")
    date_col = _column(header, "date", "day")
    text_col = _column(header, "event", "description", "what", "action", "details", "summary")
    kind_col = _column(header, "type", "kind", "category")
    for line, cells in rows:

        def cell(index, cells=cells):
            return cells[index] if index is not None and index < len(cells) else ""

        used = {time_col, date_col, kind_col}
        text = (
            cell(text_col)
            if text_col is not None
            else " ".join(c for i, c in enumerate(cells) if i not in used)
        )
        stamp_text = " ".join(part for part in (cell(date_col), cell(time_col)) if part)
        kind = cell(kind_col)
        if kind:
            text = f"{text}\n{KIND_NOTE}{kind}" if text else f"{KIND_NOTE}{kind}"
        stamp, rest, error = split_entry(stamp_text) if stamp_text else (None, "", "")
        if stamp and rest:
            text = f"{rest} {text}".strip()
        entries.append(
            _RawEvent(
                stamp if stamp and stamp.clock else None,
                text.strip(),
                line.number,
                error=error,
                block=-line.number,
            )
        )
        if stamp and stamp.clock is None:  # a row with a date and no time
            entries[-1].stamp = None
            entries.insert(len(entries) - 1, _RawEvent(stamp, "", line.number, day_marker=True))


# A table's type column is a hint for the kind; it travels with the text until then.
KIND_NOTE = "\x00kind:"


OWNER = re.compile(
    r"\b(?:owner|assignee|assigned to|owned by)\b\s*[:=]?\s*@?([\w.@+-]+(?: [A-Z][\w-]+)?)", re.I
)
AT_MENTION = re.compile(r"(?<![\w.])@([\w.+-]+)")
DUE = re.compile(r"\b(?:due(?: date| by| on)?)\s*[:=]?\s*(\S+)", re.I)
STATUS_FIELD = re.compile(r"\bstatus\s*[:=]\s*([\w' -]+?)(?:[,;)]|$)", re.I)
CHECKBOX = re.compile(r"^\s*[-*+]\s+\[(?P<mark>[ xX✓])\]\s*(?P<text>.*)$")
BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?P<text>.*)$")
TITLE_AND_TEXT = re.compile(r"^(?:\*\*|__)(?P<title>.+?)(?:\*\*|__)\s*[:.\-–—]?\s*(?P<text>.*)$")


def _lenient(read, text: str, line: int, default, warnings: list[str]):
    """Return read(text, line), or the default with a warning when the text is unreadable."""
    try:
        return read(text, line)
    except PostmortemImportError as error:
        warnings.append(f"{error}; left unset, the text is kept")
        return default


def _action_item(
    text: str, line: int, warnings: list[str], *, done: bool | None = None
) -> ParsedActionItem:
    details = text
    owner = ""
    if match := OWNER.search(details):
        owner = match.group(1).strip().rstrip(",;)")
    elif match := AT_MENTION.search(details):
        owner = match.group(1)
    due = None
    if match := DUE.search(details):
        due = _lenient(_due, match.group(1).rstrip(",;)"), line, None, warnings)
    status = ActionItem.Status.DONE if done else ActionItem.Status.OPEN
    if match := STATUS_FIELD.search(details):
        status = _lenient(_status, match.group(1), line, status, warnings)
    # What remains once the fields are taken out is the title and description.
    core = re.sub(r"\((?:[^()]*\b(?:owner|due|status|assignee)\b[^()]*)\)", "", details, flags=re.I)
    core = re.split(r"\s[—–-]\s(?=(?:owner|due|status)\b)", core, flags=re.I)[0]
    core = OWNER.sub("", core) if owner and OWNER.search(core) else core
    core = re.sub(r"\(\s*[,;]?\s*\)", "", DUE.sub("", AT_MENTION.sub("", core)))
    core = core.strip().rstrip(",;").strip()
    if match := TITLE_AND_TEXT.match(core):
        title, description = match["title"].strip(), match["text"].strip()
    elif re.search(r":(?!//)", core[:80]):
        title, description = (part.strip() for part in re.split(r":(?!//)", core, maxsplit=1))
    else:
        title, description = core, ""
    title = " ".join(MD_LINK.sub(r"\1", title).split()).rstrip(":.").strip()
    if not title:
        title = (description or text)[:80] or "(untitled action item)"
    return ParsedActionItem(
        title=title[:200],
        description=description,
        kind=_classify(f"{title} {description}", ACTION_KINDS, ActionItem.Kind.PREVENT),
        owner=owner,
        due_date=due,
        status=status,
    )


GROUP_STATUS = [
    (ActionItem.Status.DONE, r"\b(?:done|completed?|finished|closed|taken|resolved)\b"),
    (ActionItem.Status.IN_PROGRESS, r"\bin[ -]progress|ongoing|underway\b"),
    (ActionItem.Status.WONT_DO, r"won'?t do|not doing|dropped|rejected"),
]
GROUP_KIND = [
    (ActionItem.Kind.MITIGATE, r"immediate|short[- ]term|mitigat"),
    (ActionItem.Kind.DETECT, r"detect|monitor|alert"),
    (ActionItem.Kind.PROCESS, r"process|people|communication"),
    (ActionItem.Kind.DOCUMENTATION, r"document"),
    (ActionItem.Kind.PREVENT, r"long[- ]term|prevent"),
]
DONE_MARK = re.compile(r"^(?:✅|✔️?|☑️?|\[[xX✓]\])\s*")
STRUCK = re.compile(r"^~~(?P<text>.+?)~~(?P<rest>.*)$")
STATUS_PREFIX = re.compile(
    r"^(?:\*\*|__)?(?P<word>DONE|TODO|WIP|IN PROGRESS|OPEN|CLOSED|COMPLETED?|PLANNED)"
    r"(?:\*\*|__)?\s*[:\-–—]\s*(?:\*\*|__)?\s*",
    re.I,
)
STATUS_NOTE = re.compile(
    r"\s*[\(\[](?P<word>done|completed?|in progress|wip|won'?t do)(?:[^)\]]*)[\)\]]\s*", re.I
)
TEAM_PREFIX = re.compile(r"^\[(?P<team>[A-Za-z][\w &/-]{1,30})\]\s*")
DASH_OWNER = re.compile(r"\s+[—–]\s+(?P<owner>@[\w.-]+|[A-Z][\w.-]*(?: [A-Z][\w.-]*)?)\s*$")
MD_LINK = re.compile(r"\[([^\]]+)\]\((?:https?://|/)[^)]*\)")
# "Rotate the keys : Dana Lee" (a colon with spaces before and after, a short name)
SPACED_COLON_OWNER = re.compile(r"\s+:\s+(?P<owner>@?[A-Za-z][\w.-]*(?: [A-Z][\w.-]*){0,2})\s*$")
URL = re.compile(r"https?://[^\s)>\]]+")
INLINE_ITEM = re.compile(r"^(?:\*\*|__)?action(?: item)?:?(?:\*\*|__)?\s*:?\s*(?P<text>.+)$", re.I)


def _item_from_line(
    text: str, line: int, warnings: list[str], *, status: str | None, kind: str | None
) -> ParsedActionItem:
    """Read one action item in its usual shapes: [x], ✅, ~~struck~~, DONE:, (in progress),
    [TEAM], — owner, @handle, Owner: name, a tracker URL."""
    done = None
    if match := CHECKBOX.match(text):
        text, done = match["text"], match["mark"] != " "
    elif match := BULLET.match(text):
        text = match["text"]
    text = text.strip()
    if DONE_MARK.match(text):
        text, done = DONE_MARK.sub("", text, count=1), True
    if match := STRUCK.match(text):
        text, done = f"{match['text']}{match['rest']}", True
    found_status = None
    if match := STATUS_PREFIX.match(text):
        word = match["word"].lower()
        found_status = (
            "done"
            if word in {"done", "closed", "complete", "completed"}
            else "in_progress"
            if word in {"wip", "in progress"}
            else "open"
        )
        text = text[match.end() :]
    if match := STATUS_NOTE.search(text):
        word = match["word"].lower()
        found_status = (
            "done"
            if word.startswith(("done", "complete"))
            else "wont_do"
            if word.startswith("won")
            else "in_progress"
        )
        text = (text[: match.start()] + " " + text[match.end() :]).strip()
    owner = ""
    if match := TEAM_PREFIX.match(text):
        owner, text = match["team"], text[match.end() :]
    if not owner and (match := DASH_OWNER.search(text) or SPACED_COLON_OWNER.search(text)):
        owner, text = match["owner"].lstrip("@"), text[: match.start()]
    tracker = URL.search(text)
    text = MD_LINK.sub(r"\1", text)  # "[PROJ-42](https://…)": the key stays, the URL moves
    if tracker and URL.sub("", text).strip(" -—–:()[]"):
        text = URL.sub("", text)  # the link goes to the tracker field
    item = _action_item(text, line, warnings, done=done)
    if owner and not item.owner:
        item.owner = owner
    if found_status:  # "(won't do: …)" says more than a strikethrough
        item.status = found_status
    elif status and item.status == ActionItem.Status.OPEN and done is None:
        item.status = status
    if kind and item.kind == ActionItem.Kind.PREVENT:
        item.kind = kind
    if tracker:
        item.tracker_url = tracker.group(0)[:200]
    return item


def _action_items(
    section: Section, warnings: list[str]
) -> tuple[list[ParsedActionItem], list[str]]:
    """Return the items of an action item section and the text that is no item.

    A sub-heading followed by a list or table is a group ("Completed", "Long term") that
    sets its items' status or kind; a sub-heading followed by text is an item itself.
    """
    items: list[ParsedActionItem] = []
    leftovers: list[str] = []
    for block in section.blocks:
        body = [line for line in block.body if line.text.strip()]
        status = kind = None
        if block is not section.blocks[0]:
            first = body[0] if body else None
            if first is not None and first.kind in {"item", "table"}:
                heading = block.heading.lower()
                status = _classify(heading, GROUP_STATUS, None)
                kind = _classify(heading, GROUP_KIND, None)
            else:
                paragraph = []
                for line in body:
                    if line.kind != "text" or (paragraph and line.starts_paragraph):
                        break
                    paragraph.append(line.text.strip())
                items.append(
                    _action_item(f"**{block.heading}** {' '.join(paragraph)}", block.line, warnings)
                )
                body = body[len(paragraph) :]
        table = _table_rows([line for line in body if line.kind == "table"])
        if table:
            items += _table_items(table, warnings, status=status, kind=kind)
        for line in body:
            text = line.text.strip()
            if line.kind in {"table", "hr"}:
                continue
            if line.verbatim:
                leftovers.append(line.text)
            elif line.kind == "item":
                items.append(_item_from_line(text, line.number, warnings, status=status, kind=kind))
            elif line.kind == "cont" and items and items[-1] is not None:
                # Sub-bullets and wrapped lines belong to the item above.
                items[-1].description = f"{items[-1].description}\n{text}".strip()
            elif match := INLINE_ITEM.match(text):
                items.append(
                    _item_from_line(match["text"], line.number, warnings, status=status, kind=kind)
                )
            else:
                leftovers.append(text)
    return items, leftovers


def _table_items(table, warnings: list[str], *, status, kind) -> list[ParsedActionItem]:
    header, rows = table
    title_col = _column(header, "action", "title", "item", "task", "what", "measure", "description")
    owner_col = _column(header, "owner", "assignee", "who", "responsible")
    due_col = _column(header, "due", "deadline", "eta", "target")
    status_col = _column(header, "status", "state", "done")
    kind_col = _column(header, "type", "kind", "category")
    ticket_col = _column(header, "ticket", "issue", "link", "tracker", "jira", "bug")
    items = []
    for line, cells in rows:

        def cell(index, cells=cells):
            return cells[index] if index is not None and index < len(cells) else ""

        title = cell(title_col) or cells[0]
        title_match = TITLE_AND_TEXT.match(title)
        struck = STRUCK.match(title.strip())
        row_status = _lenient(_status, cell(status_col), line.number, "open", warnings)
        if struck or DONE_MARK.match(cell(status_col)):
            row_status = ActionItem.Status.DONE
        elif status and not cell(status_col):
            row_status = status
        tracker = URL.search(cell(ticket_col)) or URL.search(title)
        item = ParsedActionItem(
            title=(title_match["title"] if title_match else title).strip("~ ")[:200],
            description=title_match["text"].strip() if title_match else "",
            kind=_classify(
                f"{cell(kind_col)} {title}", ACTION_KINDS, kind or ActionItem.Kind.PREVENT
            ),
            owner=cell(owner_col).lstrip("@").strip("*_ "),
            due_date=_lenient(_due, cell(due_col), line.number, None, warnings),
            status=row_status,
            tracker_url=tracker.group(0)[:200] if tracker else "",
        )
        if cell(ticket_col) and not tracker:
            item.description = f"{item.description}\nTicket: {cell(ticket_col)}".strip()
        items.append(item)
    return items


def _labelled(text: str) -> tuple[dict[str, str], str]:
    """Split "Duration: …" / "**Impact:** …" lines from the rest of a summary section."""
    fields: dict[str, str] = {}
    rest: list[str] = []
    current = None
    for raw in text.splitlines():
        match = BOLD_LABEL.match(raw)
        label = match.group(1).strip().lower() if match else ""
        if match and label in {
            "duration",
            "impact",
            "users affected",
            "date",
            "start",
            "end",
            "started",
            "resolved",
            "affected",
            "severity",
            "time zone",
            "timezone",
        }:
            current = label
            fields[current] = match.group(2).strip()
        elif current and raw.strip() and not fields[current]:
            fields[current] = raw.strip()
        elif current and raw.strip() and current == "impact":
            fields[current] = f"{fields[current]}\n{raw.strip()}"
        else:
            current = None
            rest.append(raw)
    return fields, "\n".join(rest).strip()


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


def _causes(text: str, role: str) -> list[ParsedCause]:
    if not text:
        return []
    bullets = [BULLET.match(line) for line in text.splitlines() if line.strip()]
    parts = [m["text"] for m in bullets if m] if bullets and all(bullets) else [text]
    return [
        ParsedCause(
            role=role,
            category=_classify(part, CAUSE_CATEGORIES, Cause.Category.UNKNOWN),
            description=part.strip(),
        )
        for part in parts
    ]


def parse_postmortem(
    source: str,
    *,
    default_date: date,
    time_zone: str | None = None,
    section_names: dict[str, tuple[str, str]] | None = None,
) -> ParsedPostmortem:
    """Parse a Markdown postmortem; raise PostmortemImportError naming the line when a fact is unreadable.

    section_names maps headings (as heading_name() gives them) to the (key, title) of a
    template's own sections, so their text lands in those sections, not in other notes.
    """
    if "\x00" in source:
        raise PostmortemImportError("this is not a text file")
    if not source.strip():
        raise PostmortemImportError("the document is empty")
    from postmortems import exported  # it builds on this module's types

    if exported.is_export(source):
        parsed = exported.parse_export(source, default_date=default_date, time_zone=time_zone)
        return settle_incident_times(parsed, from_timeline=False)
    zone_unknown = ""
    if time_zone:
        zone_name, zone_reason = time_zone, "chosen on import"
        if zone_or_none(zone_name) is None:  # the caller's own zone: theirs to correct
            raise PostmortemImportError(
                f"{zone_name!r} is not a time zone; use a name such as Europe/Berlin, "
                "an offset such as GMT+2, or UTC"
            )
    else:
        zone_name, zone_reason, zone_unknown = _document_zone(source)
    zone = zone_or_none(zone_name)
    names = {name: key for name, (key, _title) in (section_names or {}).items()}
    titles = {key: title for key, title in (section_names or {}).values()}
    title, sections = _sections(_split_blocks(source), names)
    parsed = ParsedPostmortem(title="", time_zone=zone_name, started_at=None, resolved_at=None)
    parsed.zone_reason = zone_reason
    if zone_unknown:
        parsed.warnings.append(
            f"{zone_unknown}; entries without a zone of their own are kept as text, "
            "time unknown: choose the zone on import to place them"
        )
        zone_unknown = zone_unknown.split(": ", 1)[-1]
    unplaced: list[str] = []
    lessons: list[str] = []
    fields: dict[str, str] = {}
    raw_events: list[_RawEvent] = []

    for section in sections:
        if section.key is None and section.heading and _looks_like_timeline(section):
            section.key = "timeline"  # "What happened" written as timed entries
        text = section.text()
        if section.key is None:
            preamble_fields, rest = _labelled(text)
            fields.update(preamble_fields)
            if rest and section is sections[0] and not any(s.key == "summary" for s in sections):
                # No summary heading: the opening paragraph is the summary.
                opening, _, rest = rest.partition("\n\n")
                parsed.summary = opening.strip()
                rest = rest.strip()
            if rest:
                unplaced.append(f"## {section.heading}\n\n{rest}" if section.heading else rest)
        elif section.key == "summary":
            summary_fields, rest = _labelled(text)
            fields.update(summary_fields)
            parsed.summary = rest
        elif section.key == "impact":
            parsed.impact = text
        elif section.key == "root_cause":
            parsed.causes += _causes(text, Cause.Role.ROOT)
        elif section.key == "contributing":
            parsed.causes += _causes(text, Cause.Role.CONTRIBUTING)
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
            entries, leftovers = _timeline_entries(section)
            raw_events += entries
            if leftovers:
                unplaced.append("## Timeline notes\n\n" + "\n".join(leftovers))
        elif section.key == "action_items":
            items, leftovers = _action_items(section, parsed.warnings)
            parsed.action_items += items
            if leftovers:
                parsed.closing_remarks = "\n\n".join(leftovers)

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
        fields.get("users affected") or fields.get("affected") or _users_affected(parsed.impact)
    )
    if lessons:
        unplaced.append("## Lessons learned\n\n" + "\n\n".join(lessons))

    base_day = _base_day(raw_events, fields, title, source, parsed.warnings, default_date)

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
            day = _stamp_day(stamp, base_day) or day
            previous = None
            continue
        text, dead_end = DEAD_END.subn("", raw.text)
        text, _, kind_hint = text.partition(KIND_NOTE)
        text = text.strip()
        stamp_zone, zone_error = _stamp_zone(stamp.zone) if stamp else (None, "")
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
            day = _stamp_day(stamp, base_day) or day
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
                or _classify(f"{kind_hint} {text}", EVENT_KINDS, TimelineEvent.Kind.ACTION),
                line=raw.line,
                is_dead_end=bool(dead_end),
            )
        )
    if untimed:
        unplaced.append("## Timeline entries without a time\n\n" + "\n".join(untimed))

    try:
        _times_from_fields(parsed, fields, base_day, at)
    except PostmortemImportError as error:
        parsed.warnings.append(f"{error} in the duration or start and end lines; left unset")
        _times_from_fields(parsed, {}, base_day, at)
    if parsed.started_at is None and not parsed.events:
        parsed.started_at = _start_from_prose(source, base_day, zone, parsed.warnings)
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


def _users_affected(impact: str) -> str:
    match = re.search(
        r"\b(all users|all customers|every user|\d[\d,.%]* (?:of )?(?:users|customers|requests))\b",
        impact,
        re.I,
    )
    return match.group(1)[0].upper() + match.group(1)[1:] if match else ""


def _times_from_fields(parsed: ParsedPostmortem, fields: dict, base_day: date, at) -> None:
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
