"""Dates and times as people write them in postmortems.

`0730`, `07:35`, `5:00 PM`, `17:14pm`, `~13:30`, `ca. 18:30`, ranges (`13:30-13:45`),
`Oct 30, 2020, 15:56 (UTC)`, `May 20 01:03 UTC`, ISO forms, and dates alone (`May 12`,
`**October 21**`, `2020-10-21`). A stamp that cannot be a real moment (25:61, a 5-digit
year) is a StampError, so the caller can keep the entry without inventing a time.
split_entry() reads the stamp a timeline entry or heading starts with.
"""

import re
from dataclasses import dataclass
from datetime import date, time

from importing.zone_names import zone_pattern

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+)?"
_ZONE = (
    r"(?:(?:UTC|GMT)[+-]\d{1,2}(?::?\d{2})?|(?<=\d:\d\d:\d\d)[+-]\d{2}:\d{2}|"
    + zone_pattern()
    + r")(?![A-Za-z])"
)
_APPROX = r"(?P<approx>~\s*|≈\s*|(?:ca|circa|approx|approximately|around|about)\.?\s+)?"
_DATE = (
    r"(?:(?P<iso>\d{4,5}[-/]\d{1,2}[-/]\d{1,2})"
    r"|(?P<year3>\d{4})\s+(?P<mon3>" + _MONTH + r")\s+(?P<mday3>\d{1,2})(?:st|nd|rd|th)?"
    r"|(?P<wd1>" + _WEEKDAY + r")(?P<mon>" + _MONTH + r")\s+(?P<mday>\d{1,2})(?:st|nd|rd|th)?"
    r"(?:,?\s+(?P<year>\d{4,5}))?"
    r"|(?P<wd2>" + _WEEKDAY + r")(?P<mday2>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mon2>" + _MONTH + r")"
    r"(?:,?\s+(?P<year2>\d{4,5}))?)"
)
_CLOCK = (
    r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?:\.\d+)?"
    r"|(?P<minute4>(?<=\d\d)\d{2}(?=\b|[hH]))|(?=\s*[AaPp]\.?\s?[Mm]\b))"
    r"(?:\s*(?P<ampm>[AaPp])\.?\s?[Mm]\.?(?![A-Za-z]))?"
)
STAMP = re.compile(
    r"^"
    + _APPROX
    + r"(?:"
    + _DATE
    + r"(?:(?:\s*,\s*|\s+at\s+|\s+[-–—]\s+|\s+|T)(?=[~≈\d]|ca|circa|approx|around|about)|(?!\d)))?"
    r"(?:" + _APPROX.replace("approx>", "approx2>") + _CLOCK + r")?"
    r"(?:\s*\(?\s*(?P<zone>" + _ZONE + r")\s*\)?)?"
    r"(?:\s*(?:-|–|—|to|until)\s*(?P<end>\d{1,2}:\d{2}(?:\s*[AaPp]\.?[Mm]\.?)?|\d{4}(?![\d-]))"
    r"(?:\s*\(?\s*(?P<end_zone>" + _ZONE + r")\s*\)?)?)?",
    re.IGNORECASE,
)


class StampError(ValueError):
    """A stamp that cannot be a real date or time."""


@dataclass
class Stamp:
    day: date | None
    clock: time | None
    zone: str  # as written: "UTC", "PST", "GMT+2", or ""
    end: str  # the end of a range as written, or ""
    month_day: tuple[int, int] | None  # a date written without a year, when none is known
    approximate: bool
    length: int  # characters of the text the stamp takes


def _year(text: str | None) -> int | None:
    if not text:
        return None
    if len(text) > 4:
        raise StampError(f"{text!r} is not a year (one digit too many?)")
    return int(text)


def read_stamp(text: str, *, year: int | None = None) -> Stamp | None:
    """Return the date and/or time the text starts with, or None when it starts with neither.

    A date without a year takes `year`; raise StampError for a stamp that is no real moment.
    """
    match = STAMP.match(text)
    if not match or not match.group(0).strip():
        return None
    groups = match.groupdict()
    has_date = bool(groups["iso"] or groups["mon"] or groups["mon2"] or groups["mon3"])
    has_clock = groups["hour"] is not None
    if groups["minute4"] is None and groups["minute"] is None and has_clock and not groups["ampm"]:
        if not has_date:
            return None  # a bare number is not a time
        has_clock = False
    if has_clock and groups["minute4"] is not None:
        # A four-digit time must stand apart: "0730 -", "1625:", "0730 UTC", a cell of its own.
        rest = text[match.end() :]
        if not (
            groups["zone"]
            or groups["end"]
            or not rest.strip()
            or re.match(r"\s*[-–—:|)*_`\]]", rest)
            or re.match(r"[hH]\b", rest)
            or (re.match(r" [A-Z]", rest) and not 1950 <= int(match.group(0)[-4:]) <= 2099)
        ):
            return None
    if not has_date and not has_clock:
        return None
    day = None
    if has_date:
        if groups["iso"]:
            year_text, month, mday = re.split(r"[-/]", groups["iso"])
            day_year, month, mday = _year(year_text), int(month), int(mday)
        else:
            month = MONTHS[(groups["mon"] or groups["mon2"] or groups["mon3"]).lower().rstrip(".")]
            mday = int(groups["mday"] or groups["mday2"] or groups["mday3"])
            day_year = _year(groups["year"] or groups["year2"] or groups["year3"]) or year
        if day_year is not None:
            try:
                day = date(day_year, month, mday)
            except ValueError:
                raise StampError(f"{match.group(0).strip()!r} is not a valid date") from None
        elif not has_clock:
            # A date without a year and no year known yet: remember month and day only.
            day = None
    clock = None
    if has_clock:
        hour = int(groups["hour"])
        minute = int(groups["minute"] or groups["minute4"] or 0)
        second = int(groups["second"] or 0)
        if groups["ampm"] and hour > 12 and groups["ampm"].lower() == "p":
            pass  # "17:14pm": a 24-hour clock with a habit of adding pm
        elif groups["ampm"]:
            if not 1 <= hour <= 12:
                raise StampError(f"{match.group(0).strip()!r} is not a time on a 12-hour clock")
            hour = hour % 12 + (12 if groups["ampm"].lower() == "p" else 0)
        elif (end_half := re.search(r"([AaPp])\.?[Mm]", groups["end"] or "")) and 1 <= hour <= 12:
            # "2:00-3:30 PM": the range's half of the day is written once, after its end.
            end_hour, end_minute = (int(part) for part in groups["end"][:5].split(":")[:2])
            end_hour = end_hour % 12 + (12 if end_half.group(1).lower() == "p" else 0)
            afternoon = hour % 12 + (12 if end_half.group(1).lower() == "p" else 0)
            hour = afternoon if (afternoon, minute) <= (end_hour, end_minute) else hour % 12
        if hour > 23 or minute > 59 or second > 59:
            raise StampError(f"{match.group(0).strip()!r} is not a valid time of day")
        clock = time(hour, minute, second)
    length = match.end()
    if match["end"] is None:
        # Leave a separator like " - " to the caller, unless it belongs to no range.
        length = len(text[:length].rstrip())
    return Stamp(
        day=day,
        clock=clock,
        zone=(groups["zone"] or groups["end_zone"] or "").strip(),
        end=groups["end"] or "",
        approximate=bool(groups["approx"] or groups["approx2"]),
        month_day=(month, mday) if has_date and day is None else None,
        length=length,
    )


def month_day(text: str) -> tuple[int, int] | None:
    """Return (month, day) of a date written without a year ("May 12", "21 October")."""
    match = STAMP.match(text)
    if not match or not (match["mon"] or match["mon2"]):
        return None
    month = MONTHS[(match["mon"] or match["mon2"]).lower().rstrip(".")]
    return month, int(match["mday"] or match["mday2"])


DATE_ANYWHERE = re.compile(_DATE, re.IGNORECASE)


def find_date(text: str) -> date | None:
    """Return the first full date (with a year) written anywhere in the text."""
    for match in DATE_ANYWHERE.finditer(text):
        try:
            stamp = read_stamp(text[match.start() :])
        except StampError:
            continue
        if stamp and stamp.day:
            return stamp.day
    return None


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


def starts_with_time(heading: str) -> bool:
    """Return whether a heading opens with a time of day ("07:30am - First report")."""
    stamp, _rest, error = split_entry(heading)
    return bool(error) or (stamp is not None and stamp.clock is not None)


def heading_date(heading: str) -> date | None:
    """Return the date a short heading names among a few words ("Day 1 — March 3, 2024",
    "March 4, 2024 — recovery"), or None."""
    if len(re.findall(r"[A-Za-z]+", DATE_ANYWHERE.sub(" ", heading))) > 4:
        return None
    return find_date(heading)


def is_stamp_heading(heading: str) -> bool:
    """Return whether a heading is a date or time alone ("May 12", "2020-10-21 (UTC)")."""
    stamp, rest, error = split_entry(heading)
    return bool(error) or (stamp is not None and not re.search(r"\w", re.sub(r"\(.*?\)", "", rest)))
