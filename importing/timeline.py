"""Timeline entries of a document: headings, bullets, lines or table rows that start with a
time, and the date headings that set the day of the entries below them.
"""

import re
from dataclasses import dataclass
from datetime import time

from importing.stamps import Stamp, heading_date, split_entry
from importing.structure import Line, Section, column, table_rows

DEAD_END = re.compile(r"\s*[*_]?\((?:dead[ -]end|did not help|red herring)\)[*_]?[.;]?\s*$", re.I)


@dataclass
class RawEvent:
    """A timeline entry as written, before its time is placed on a day and in a zone."""

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


BARE_HHMM = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?([01]\d|2[0-3])([0-5]\d)\s+(?=\S)")


def timeline_entries(section: Section) -> tuple[list[RawEvent], list[str]]:
    """Return the entries of a timeline section in document order, date headings among them,
    and the text that is no entry."""
    entries: list[RawEvent] = []
    leftovers: list[str] = []

    def last_entry() -> RawEvent | None:
        return next((e for e in reversed(entries) if not e.day_marker), None)

    def add(text: str, line: int, *, from_heading=False, block=0, must=False) -> bool:
        stamp, rest, error = split_entry(text)
        if stamp is None and not error and (bare := BARE_HHMM.match(text)):
            # Inside a timeline, "0812 payment page slow" is a time even before a lowercase word.
            clock = time(int(bare[1]), int(bare[2]))
            stamp = Stamp(None, clock, "", "", month_day=None, approximate=False, length=0)
            rest = text[bare.end() :].strip()
        if error:
            entries.append(RawEvent(None, text.strip(), line, error=error, block=block))
            return True
        if stamp and stamp.clock is None:
            entries.append(RawEvent(stamp, "", line, day_marker=True, block=block))
            if not from_heading and re.search(r"\w", re.sub(r"\(.*?\)", "", rest)):
                # "**May 12** the deploy started": an entry without a time
                entries.append(RawEvent(None, rest, line, block=block))
            return True
        if stamp:
            entries.append(RawEvent(stamp, rest, line, from_heading=from_heading, block=block))
            return True
        if from_heading and (day := heading_date(text)):
            # "## Day 2 — Saturday, February 10, 2024": the date sets the day below it.
            marker = Stamp(day, None, "", "", month_day=None, approximate=False, length=0)
            entries.append(RawEvent(marker, "", line, day_marker=True, block=block))
            return True
        if must:
            entries.append(RawEvent(None, rest, line, block=block))
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


def looks_like_timeline(section: Section) -> bool:
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


def _table_entries(lines: list[Line], entries: list[RawEvent], leftovers: list[str]) -> None:
    table = table_rows(lines)
    if table is None:
        leftovers += [line.text for line in lines]
        return
    header, rows = table
    time_col = column(header, "time", "when", "timestamp", "start")
    date_col = column(header, "date", "day")
    text_col = column(header, "event", "description", "what", "action", "details", "summary")
    kind_col = column(header, "type", "kind", "category")
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
            RawEvent(
                stamp if stamp and stamp.clock else None,
                text.strip(),
                line.number,
                error=error,
                block=-line.number,
            )
        )
        if stamp and stamp.clock is None:  # a row with a date and no time
            entries[-1].stamp = None
            entries.insert(len(entries) - 1, RawEvent(stamp, "", line.number, day_marker=True))


# A table's type column is a hint for the kind; it travels with the text until then.
KIND_NOTE = "\x00kind:"
