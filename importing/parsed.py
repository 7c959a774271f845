"""What the importer read from a document: the incident, its timeline, causes, action items
and sections, and its doubts about them.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from incidents.models import ActionItem


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
    tags: list[str] = field(default_factory=list)


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
    # People by user name, and services and tags by name, as our own export lists them.
    commander: str = ""
    authors: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
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
