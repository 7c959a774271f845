"""The Markdown structure of a document: its lines and blocks, its sections by their headings
(and the names sections go by), its tables and bullets.
"""

import html
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

from importing.stamps import heading_date, is_stamp_heading, starts_with_time

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
# Only HTML's own tags: "<START OF OUTAGE>" in a timeline is text.
TAG = re.compile(
    r"</?(?:p|b|i|u|s|em|strong|span|div|br|hr|a|h[1-6]|ul|ol|li|code|pre|table|thead|tbody|"
    r"tr|td|th|img|sub|sup|blockquote|details|summary|del|ins|mark|small|font|center)\b[^>]*>",
    re.I,
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


def clean(text: str) -> str:
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


def split_blocks(source: str) -> list[Block]:
    """Split a document at its headings (Markdown or HTML) into blocks of lines."""
    blocks = [Block(level=0, heading="", line=0)]
    kinds, headings = _line_kinds(source)
    for number, raw in enumerate(source.splitlines(), start=1):
        kind, block_id = kinds.get(number, ("blank", -number))
        if kind == "heading" and number not in headings:
            continue  # the underline of a setext heading
        html_heading = HTML_HEADING.search(raw) if kind in {"html", "text", "heading"} else None
        if html_heading:
            level = int(html_heading.group(1))
            heading = clean(html_heading.group(2))
            rest = clean(raw[html_heading.end() :])
            blocks.append(Block(level=level, heading=heading, line=number))
            if rest:
                blocks[-1].body.append(Line(number, rest, starts_paragraph=True, block=-number))
        elif kind == "heading":
            level, text = headings[number]
            if clean(text):
                blocks.append(Block(level=level, heading=clean(text), line=number))
        elif kind in {"code", "quote", "image", "hr"}:
            blocks[-1].body.append(Line(number, raw.rstrip(), kind=kind, block=block_id))
        else:
            starts = raw.lstrip().lower().startswith("<p")
            if kind == "html":
                # HTML lines are each their own paragraph, or a list item.
                kind = "item" if raw.lstrip().lower().startswith("<li") else "text"
                block_id = -number
            blocks[-1].body.append(
                Line(number, clean(raw), starts_paragraph=starts, kind=kind, block=block_id)
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


def group_sections(
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
        if current.key == "timeline" and (
            starts_with_time(block.heading)
            or (key is None and (is_stamp_heading(block.heading) or heading_date(block.heading)))
        ):
            # "## May 12" or "### 08:15am - Impact assessed" inside a timeline is a date or
            # an entry, at any level, whatever words follow the time.
            current.blocks.append(block)
            continue
        if (
            key is None
            and not title
            and block.level <= 2
            and not sections[-1].key
            and not is_stamp_heading(block.heading)
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


# --- Tables ---------------------------------------------------------------------------------


def table_rows(lines: list[Line]) -> tuple[list[str], list[tuple[Line, list[str]]]] | None:
    """Return a table's header (lower case) and its rows of cells, or None for no table."""
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


def column(header: list[str], *names: str) -> int | None:
    """Return the index of the first header cell that is, or starts with, one of names."""
    for index, cell in enumerate(header):
        if any(cell == name or cell.startswith(name) for name in names):
            return index
    return None


BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?P<text>.*)$")
