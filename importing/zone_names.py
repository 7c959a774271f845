"""Zone names as people write them: abbreviations (one IANA zone each, or a choice among
several for the ambiguous ones), and region names with a typo or a space in them.
"""

import difflib
import re
import zoneinfo
from functools import cache

# Abbreviations that name one zone wherever they are used.
ZONE_ABBREVIATIONS = {
    "UTC": "UTC",
    "GMT": "UTC",
    "Z": "UTC",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "PT": "America/Los_Angeles",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "MT": "America/Denver",
    "CDT": "America/Chicago",
    "CT": "America/Chicago",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "ET": "America/New_York",
    "AKST": "America/Anchorage",
    "AKDT": "America/Anchorage",
    "HST": "Pacific/Honolulu",
    "NST": "America/St_Johns",
    "NDT": "America/St_Johns",
    "ADT": "America/Halifax",
    "BRT": "America/Sao_Paulo",
    "ART": "America/Argentina/Buenos_Aires",
    "BST": "Europe/London",
    "WET": "Europe/Lisbon",
    "WEST": "Europe/Lisbon",
    # Central European Time as people use it: local time in Berlin, Paris, Amsterdam,
    # summer time included.
    "CET": "Europe/Berlin",
    "CEST": "Europe/Berlin",
    "EET": "Europe/Athens",
    "EEST": "Europe/Athens",
    "MSK": "Europe/Moscow",
    "SAST": "Africa/Johannesburg",
    "EAT": "Africa/Nairobi",
    "WAT": "Africa/Lagos",
    "PKT": "Asia/Karachi",
    "NPT": "Asia/Kathmandu",
    "ICT": "Asia/Bangkok",
    "WIB": "Asia/Jakarta",
    "WITA": "Asia/Makassar",
    "PHT": "Asia/Manila",
    "SGT": "Asia/Singapore",
    "HKT": "Asia/Hong_Kong",
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "AWST": "Australia/Perth",
    "ACST": "Australia/Adelaide",
    "ACDT": "Australia/Adelaide",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
    "NZST": "Pacific/Auckland",
    "NZDT": "Pacific/Auckland",
}

# Abbreviations several zones go by: the usual reading first, then the others, each with
# the words of a document that point to it ("our Dublin office", "CDT").
AMBIGUOUS_ZONES = {
    "IST": [
        (
            "Asia/Kolkata",
            "India Standard Time",
            r"\bindia|bengaluru|bangalore|mumbai|delhi|chennai|hyderabad",
        ),
        ("Europe/Dublin", "Irish Standard Time", r"\bireland\b|\birish\b|\bdublin\b"),
        ("Asia/Jerusalem", "Israel Standard Time", r"\bisrael|tel aviv|jerusalem"),
    ],
    "CST": [
        ("America/Chicago", "US Central Time", r"\bCDT\b|\bchicago\b|\btexas\b|\bdallas\b"),
        (
            "Asia/Shanghai",
            "China Standard Time",
            r"\bchina\b|\bchinese\b|\bbeijing\b|\bshanghai\b|shenzhen",
        ),
    ],
    "AST": [
        (
            "America/Halifax",
            "Atlantic Standard Time",
            r"\bADT\b|\bhalifax\b|puerto rico|\bcanada\b",
        ),
        (
            "Asia/Riyadh",
            "Arabia Standard Time",
            r"\bsaudi|\briyadh\b|\bkuwait\b|\bqatar\b|\bbahrain\b",
        ),
    ],
    "GST": [
        ("Asia/Dubai", "Gulf Standard Time", r"\bdubai\b|\bUAE\b|emirates|\boman\b"),
        ("Atlantic/South_Georgia", "South Georgia Time", r"south georgia"),
    ],
}
# The abbreviations people have written for years, read in any case ("10:00 utc"); the rest
# only in capitals, since "14:00 west region" or "art" are words, not zones.
ANY_CASE = {
    "UTC", "GMT", "Z", "PST", "PDT", "PT", "MST", "MDT", "MT", "CST", "CDT", "CT", "EST",
    "EDT", "ET", "BST", "CET", "CEST", "EET", "EEST", "IST", "JST", "KST", "SGT", "AEST",
    "AEDT", "NZST", "NZDT",
}  # fmt: skip
ALL_ABBREVIATIONS = {
    **ZONE_ABBREVIATIONS,
    **{name: readings[0][0] for name, readings in AMBIGUOUS_ZONES.items()},
}
# An ambiguous abbreviation used as a zone: after a time, in brackets, or after "times in".
_AMBIGUOUS = re.compile(
    r"(?:\d\s*(?:[AaPp]\.?[Mm]\.?)?\s*\(?|\(|\b(?:in|times?|zone:?|are)\s+)"
    r"(" + "|".join(AMBIGUOUS_ZONES) + r")(?![\w/+-])"
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def ambiguous_choices(source: str, warnings: list[str]) -> dict[str, str]:
    """Return the zone each ambiguous abbreviation of the document stands for: the one its
    words point to, else the usual one with a warning naming the line and the choice."""
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    choices: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _AMBIGUOUS.finditer(line):
            name = match.group(1)
            if name in choices:
                continue
            readings = AMBIGUOUS_ZONES[name]
            pointed = [
                zone for zone, _label, words in readings if re.search(words, text, re.IGNORECASE)
            ]
            if len(pointed) == 1:
                choices[name] = pointed[0]
                continue
            zone, label, _words = readings[0]
            choices[name] = zone
            others = " or ".join(
                f"{other_label} ({other})" for other, other_label, _ in readings[1:]
            )
            warnings.append(
                f"line {number}: {name} is read as {label} ({zone}); it can also mean "
                f"{others}: choose the zone on import if the document means another"
            )
    return choices


@cache
def _zone_names() -> tuple[frozenset[str], dict[str, str]]:
    names = frozenset(zoneinfo.available_timezones())
    return names, {name.lower(): name for name in names}


def zone_pattern() -> str:
    """Return a regular expression for the abbreviations, for a pattern compiled to ignore
    case: the newer ones keep to capitals."""
    strict = sorted(set(ALL_ABBREVIATIONS) - ANY_CASE, key=len, reverse=True)
    loose = sorted(ANY_CASE, key=len, reverse=True)
    return "(?:(?-i:" + "|".join(strict) + ")|" + "|".join(loose) + ")"


def corrected_zone_name(name: str) -> str | None:
    """Return the IANA zone a misspelt region name means ("Europe/Berlln", "US/Pacfic",
    "America/Los Angeles"), or None when no zone is close enough to be sure."""
    names, by_lower = _zone_names()
    plain = re.sub(r"\s+", "_", name.strip())
    if plain in names:
        return plain
    if plain.lower() in by_lower:
        return by_lower[plain.lower()]
    close = difflib.get_close_matches(plain, names, n=2, cutoff=0.88)
    if len(close) == 1 or (
        len(close) == 2
        and difflib.SequenceMatcher(None, plain, close[0]).ratio()
        > difflib.SequenceMatcher(None, plain, close[1]).ratio()
    ):
        return close[0]
    return None
