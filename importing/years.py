"""Years mistyped in a document's dates (`20244-03-02`, `2204-03-02` among 2024 dates): read
as the year of the other dates when one slip of a key explains the typo, else left for the
entry to be kept as text.
"""

import re
from collections import Counter
from dataclasses import dataclass

from importing.stamps import MONTHS

_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
# The year of a date, as people write dates: 2024-03-02, March 2, 2024, 2 March 2024.
YEAR_OF_DATE = re.compile(
    r"(?<![\d.])(?P<iso>\d{4,5})(?=[-/]\d{1,2}[-/]\d{1,2}(?!\d))"
    r"|\b" + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?P<after_month>\d{4,5})(?!\d)"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<after_day>\d{4,5})(?!\d)",
    re.IGNORECASE,
)
# Where a date stamps an entry: at the start of a line, a bullet, a heading or a table cell,
# or right before a time of day. A year in a sentence is the text's own business.
ENTRY_LEAD = re.compile(r"(?:^|\|)\s*(?:[-*+#]+\s+|\d+[.)]\s+)?(?:\[[ xX]\]\s*)?[*_`\[(~]*\s*$")
CLOCK_NEXT = re.compile(r"^[^\n]{0,12}?(?:,\s*|\s+|T)\d{1,2}:\d{2}")


@dataclass
class Years:
    """The year most of a document's dates are in, and the source with typo'd years read."""

    source: str
    usual: int | None


def _slips(written: str) -> set[str]:
    """Return the years one slip of a key makes of a written year: a digit too many, two
    digits swapped, one digit wrong."""
    found = set()
    for index in range(len(written)):
        found.add(written[:index] + written[index + 1 :])
        if index + 1 < len(written):
            swapped = list(written)
            swapped[index], swapped[index + 1] = swapped[index + 1], swapped[index]
            found.add("".join(swapped))
        for digit in "0123456789":
            found.add(written[:index] + digit + written[index + 1 :])
    return {year for year in found if len(year) == 4}


def read_years(source: str, warnings: list[str]) -> Years:
    """Return the document's usual year and its source with each entry's mistyped year read
    as that year, with a warning naming the line; a typo no slip explains stays as written."""
    lines = source.splitlines(keepends=True)
    found = []  # (line index, start, end, written year)
    for index, line in enumerate(lines):
        for match in YEAR_OF_DATE.finditer(line):
            group = next(name for name in ("iso", "after_month", "after_day") if match[name])
            found.append((index, match.start(), match.start(group), match.end(group), match[group]))
    counts = Counter(
        int(year) for *_, year in found if len(year) == 4 and 1970 <= int(year) <= 2100
    )
    if not counts:
        return Years(source, None)
    usual = counts.most_common(1)[0][0]
    # From the end of each line back, so earlier positions on it stay where they were.
    for index, date_start, start, end, written in sorted(found, key=lambda f: (f[0], -f[1])):
        line = lines[index]
        if len(written) == 4 and abs(int(written) - usual) <= 1:
            continue
        stamps_entry = ENTRY_LEAD.search(line[:date_start]) or CLOCK_NEXT.match(line[end:])
        if not stamps_entry or str(usual) not in _slips(written):
            continue
        lines[index] = f"{line[:start]}{usual}{line[end:]}"
        warnings.append(
            f"line {index + 1}: the year {written} is read as {usual}, the year of the "
            "document's other dates; check it"
        )
    return Years("".join(lines), usual)


def far_from(year: int, usual: int | None) -> bool:
    """Return whether a date's year is too far from the document's usual year to be meant."""
    return usual is not None and abs(year - usual) > 1
