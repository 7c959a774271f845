"""Save a parsed postmortem: the incidents app writes the incident, this the document.

The parser (importing.parse) reads text into a ParsedPostmortem; this is the one place an
import writes, in one transaction per document, so a document is saved whole or not at all.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from importing.parsed import ParsedPostmortem
from importing.structure import heading_name
from incidents.imports import (
    ImportedActionItem,
    ImportedCause,
    ImportedEvent,
    incident_import,
    users_by_name,
)
from incidents.models import Incident, Team, User
from incidents.services import record_change
from postmortems.exporting.exporters import cause_key
from postmortems.layouts.sections import create_sections, default_template
from postmortems.models import Postmortem, PostmortemTemplate
from postmortems.services import BUILT_IN_SECTION_KEYS


@transaction.atomic
def postmortem_import(
    *,
    parsed: ParsedPostmortem,
    actor: User | None,
    template: PostmortemTemplate | None = None,
    known_owners: dict[str, User | None] | None = None,
    team: Team | None = None,
) -> Incident:
    """Save a parsed postmortem as an incident with its timeline, causes and action items.

    The incidents app writes the incident and its rows; this writes the postmortem, in the
    given template, else the one the document names (an export of ours), else the default;
    text of sections that template lacks is kept in sections marked as not in it. When
    importing several documents, pass each the same known_owners dict (empty at first), so
    that an owner name is looked up once in the run, not once per document. A team given
    owns the incident (a team's repository of postmortems imports into that team).
    """
    resolved = Incident.Status.RESOLVED if parsed.resolved_at else Incident.Status.INVESTIGATING
    incident = incident_import(
        actor=actor,
        data={
            "title": parsed.title,
            "severity": parsed.severity,
            "status": parsed.status or resolved,
            "started_at": parsed.started_at,
            # The parser settles these from the timeline in the order the model requires.
            "detected_at": parsed.detected_at,
            "mitigated_at": parsed.mitigated_at,
            "resolved_at": parsed.resolved_at,
            "time_zone": parsed.time_zone,
            "summary": parsed.summary,
            "impact": parsed.impact,
            "users_affected": parsed.users_affected[:200],
            **({"team": team} if team is not None else {}),
        },
        events=[
            ImportedEvent(
                occurred_at=event.occurred_at,
                kind=event.kind,
                description=event.description,
                is_dead_end=event.is_dead_end,
            )
            for event in parsed.events
        ],
        causes=[
            ImportedCause(
                role=cause.role,
                category=cause.category,
                description=cause.description,
                resolution=cause.resolution,
                tags=tuple(cause.tags),
            )
            for cause in parsed.causes
        ],
        action_items=_imported_items(parsed),
        known_owners=known_owners,
        commander_name=parsed.commander,
        service_names=parsed.services,
        tag_names=parsed.tags,
    )
    template = template or _template_named(parsed.template) or default_template()
    bodies = {key: getattr(parsed, key) for key in BUILT_IN_SECTION_KEYS}
    bodies.update({section.key: section.body for section in parsed.sections})
    specs = list(template.sections.all())
    own_keys = {section.key for section in specs}
    loose = [
        (key, BUILT_IN_TITLES.get(key, key.replace("_", " ").capitalize()), body)
        for key, body in bodies.items()
        if key not in own_keys and body.strip()
    ]
    titles = {section.key: section.title for section in parsed.sections}
    loose = [(key, titles.get(key, title), body) for key, title, body in loose]
    # A new incident has no postmortem yet: make it and its sections without asking.
    postmortem = Postmortem.objects.create(incident=incident, template=template)
    create_sections(postmortem, specs, bodies, loose)
    _name_people(postmortem, parsed, {} if known_owners is None else known_owners)
    # Recorded last, so the incident.created hook (start_draft_for_new_incident) finds this
    # postmortem rather than making an empty one; it makes the actor an author.
    record_change(
        incident=incident,
        actor=actor,
        action="created",
        target=incident,
        note="Imported from a Markdown postmortem.",
        incident_is_new=True,
    )
    return incident


def _name_people(
    postmortem: Postmortem, parsed: ParsedPostmortem, known: dict[str, User | None]
) -> None:
    """Make the people the document names its authors and reviewers (those who exist here)."""
    if not (parsed.authors or parsed.reviewers):
        return
    people = users_by_name({*parsed.authors, *parsed.reviewers}, known)
    for names, relation in ((parsed.authors, postmortem.authors),
                            (parsed.reviewers, postmortem.reviewers)):  # fmt: skip
        found = [people[name] for name in names if name in people]
        if found:
            relation.add(*found)


def refusal_text(error: ValidationError) -> str:
    """Return why a document was not saved, field by field, for a person to correct it."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "; ".join(f"{field}: {' '.join(texts)}" for field, texts in error.message_dict.items())


def _imported_items(parsed: ParsedPostmortem) -> list[ImportedActionItem]:
    """Return the action items for the incidents app, each with the positions of the causes
    its document row named by their one-line text (as our export names them)."""
    position_of = {
        cause_key(cause.description): position for position, cause in enumerate(parsed.causes)
    }
    return [
        ImportedActionItem(
            title=item.title,
            description=item.description,
            kind=item.kind,
            owner_name=item.owner,
            due_date=item.due_date,
            status=item.status,
            priority=item.priority,
            tracker_url=item.tracker_url,
            causes=tuple(position_of[text] for text in item.addresses if text in position_of),
        )
        for item in parsed.action_items
    ]


BUILT_IN_TITLES = {
    "trigger": "Trigger",
    "detection": "Detection",
    "resolution": "Resolution",
    "went_well": "What went well",
    "went_wrong": "What went wrong",
    "got_lucky": "Where we got lucky",
    "closing_remarks": "Closing Remarks",
    "unplaced_text": "Other Notes",
}


def _template_named(name: str) -> PostmortemTemplate | None:
    if not name:
        return None
    return PostmortemTemplate.objects.filter(name__iexact=name, retired_at=None).first()


def import_names(template: PostmortemTemplate) -> dict[str, tuple[str, str]]:
    """Return the headings that mean each free-text section of the template, for the
    importer: its title and synonyms, as heading_name() reads them."""
    names: dict[str, tuple[str, str]] = {}
    for section in template.sections.all():
        if section.kind != "markdown":
            continue
        for name in [section.title, *section.synonym_list]:
            names.setdefault(heading_name(name), (section.key, section.title))
    return names
