"""Facts a document states in prose: labelled lines ('Duration: …', '**Impact:** …'), its
causes, and who was affected.
"""

import re

from importing.kinds import CAUSE_CATEGORIES, classify
from importing.parsed import ParsedCause
from importing.structure import BULLET
from incidents.models import Cause

BOLD_LABEL = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?\s*([A-Za-z][A-Za-z /&-]{1,40}?)\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.*)$"
)


def labelled_fields(text: str) -> tuple[dict[str, str], str]:
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


def read_causes(text: str, role: str) -> list[ParsedCause]:
    """Return the causes of a cause section: one per bullet, or the whole text as one."""
    if not text:
        return []
    bullets = [BULLET.match(line) for line in text.splitlines() if line.strip()]
    parts = [m["text"] for m in bullets if m] if bullets and all(bullets) else [text]
    return [
        ParsedCause(
            role=role,
            category=classify(part, CAUSE_CATEGORIES, Cause.Category.UNKNOWN),
            description=part.strip(),
        )
        for part in parts
    ]


def users_affected(impact: str) -> str:
    """Return who was affected as the impact text says it ("All users", "3% of requests")."""
    match = re.search(
        r"\b(all users|all customers|every user|\d[\d,.%]* (?:of )?(?:users|customers|requests))\b",
        impact,
        re.I,
    )
    return match.group(1)[0].upper() + match.group(1)[1:] if match else ""
