"""Writes to postmortems: editing, review, publication and template, each recorded."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.models import ChangeRecord
from incidents.models import Incident, User
from incidents.services import StaleVersionError, diff_fields, record_change, save_versioned
from postmortems.collaboration.versions import fill_unfrozen_versions, freeze_version
from postmortems.layouts.sections import (
    default_template,
    empty_required_sections,
    sync_sections,
    template_of,
)
from postmortems.models import Postmortem, PostmortemSection, PostmortemTemplate, Review

# The written sections of the built-in templates, by the key they have always had.
BUILT_IN_SECTION_KEYS = (
    "trigger",
    "detection",
    "resolution",
    "went_well",
    "went_wrong",
    "got_lucky",
    "closing_remarks",
    "unplaced_text",
)
INCIDENT_NARRATIVE_FIELDS = ("summary", "impact")


def postmortem_start(
    *,
    incident: Incident,
    template: PostmortemTemplate | None = None,
    bodies: dict[str, str] | None = None,
    **values: Any,
) -> Postmortem:
    """Return the incident's postmortem, making it the first time in the template (else the
    team's default) with a section row for each of its sections, texts from `bodies`."""
    template = template or default_template(incident.team)
    postmortem, created = Postmortem.objects.get_or_create(
        incident=incident, defaults={"template": template, **values}
    )
    if created:
        sync_sections(postmortem, template, bodies)
    return postmortem


def postmortem_for(incident: Incident) -> Postmortem:
    """Return the incident's postmortem, creating an empty draft the first time."""
    return postmortem_start(incident=incident)


def start_draft_for_new_incident(record: ChangeRecord, incident: Incident) -> None:
    """Give a new incident its draft postmortem, with whoever created it as an author.

    Runs inside the transaction that creates the incident (an incident.created hook).
    """
    # An import made it a moment ago, with the document's narrative: no need to ask again.
    postmortem = Incident.postmortem.related.get_cached_value(incident, default=None)
    if postmortem is None:
        postmortem = postmortem_start(incident=incident)
    if record.actor_id is not None:
        postmortem.authors.add(record.actor_id)


PUBLISHED_IS_READ_ONLY = "The postmortem is published and read-only; reopen it to edit."


def refuse_writes_when_published(incident: Incident) -> str | None:
    """Return why the incident's facts may not change: its postmortem is published."""
    published = Postmortem.objects.filter(
        incident_id=incident.pk, status=Postmortem.Status.PUBLISHED
    ).exists()
    return PUBLISHED_IS_READ_ONLY if published else None


def _people_change(before: list[User], after: list[User]) -> list[str] | None:
    old = ", ".join(sorted(str(u) for u in before))
    new = ", ".join(sorted(str(u) for u in after))
    return None if old == new else [old, new]


@transaction.atomic
def postmortem_update(
    *, postmortem: Postmortem, actor: User, data: dict[str, Any], expected_version: int
) -> Postmortem:
    """Save the sections' text (and the incident's summary and impact) if nobody saved since.

    `data` holds `sections` ({key: Markdown}), `summary`, `impact`, `authors` and
    `reviewers`, each optional. The postmortem's version guards them all, since the editor
    is where summary and impact are written.
    """
    if postmortem.is_published:
        raise ValidationError(PUBLISHED_IS_READ_ONLY)
    before = Postmortem.objects.get(pk=postmortem.pk)
    incident = postmortem.incident
    incident_before = Incident.objects.get(pk=incident.pk)
    authors = data.pop("authors", None)
    reviewers = data.pop("reviewers", None)
    bodies = data.pop("sections", None) or {}
    for name in INCIDENT_NARRATIVE_FIELDS:
        if name in data:
            setattr(incident, name, data.pop(name))
    if data:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(data))}.")
    rows = {s.key: s for s in PostmortemSection.objects.filter(postmortem=postmortem)}
    if not rows:
        rows = {s.key: s for s in sync_sections(postmortem, template_of(postmortem))}
    unknown = sorted(set(bodies) - set(rows))
    if unknown:
        raise ValidationError(
            f"This postmortem has no section {', '.join(unknown)}; "
            f"its sections are {', '.join(rows)}."
        )
    changes: dict[str, list[str]] = {}
    edited = []
    for key, body in bodies.items():
        row = rows[key]
        body = body or ""
        if row.body != body:
            changes[f"{row.title} section"] = [row.body, body]
            row.body = body
            edited.append(row)
    save_versioned(instance=postmortem, expected_version=expected_version)
    PostmortemSection.objects.bulk_update(edited, ["body"])
    incident_changes = diff_fields(incident_before, incident, INCIDENT_NARRATIVE_FIELDS)
    if incident_changes:
        Incident.objects.filter(pk=incident.pk).update(
            summary=incident.summary,
            impact=incident.impact,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        changes.update(incident_changes)
    for name, people in (("authors", authors), ("reviewers", reviewers)):
        if people is None:
            continue
        change = _people_change(list(getattr(before, name).all()), list(people))
        getattr(postmortem, name).set(people)
        if change:
            changes[name] = change
    if changes:
        record_change(
            incident=incident,
            actor=actor,
            action=ChangeRecord.Action.UPDATED,
            target=postmortem,
            changes=changes,
        )
    return postmortem


def _set_status(
    postmortem: Postmortem, actor: User, status: str, *, event: str, note: str = ""
) -> None:
    before, old_status = postmortem.get_status_display(), postmortem.status
    # Conditional on the old status so two clicks at once change it once.
    updated = Postmortem.objects.filter(pk=postmortem.pk, status=postmortem.status).update(
        status=status,
        published_at=postmortem.published_at,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if updated == 0:
        raise StaleVersionError(Postmortem.objects.get(pk=postmortem.pk))
    postmortem.status = status
    postmortem.refresh_from_db(fields=["version", "updated_at"])
    record_change(
        incident=postmortem.incident,
        actor=actor,
        action=ChangeRecord.Action.STATUS,
        target=postmortem,
        changes={"status": [before, postmortem.get_status_display()]},
        values={"status": [old_status, status]},
        note=note,
        event=event,
    )


@transaction.atomic
def postmortem_submit_for_review(
    *, postmortem: Postmortem, actor: User, reason: str = ""
) -> Postmortem:
    """Move a draft to review; it needs a named reviewer, and a corrective action for every
    root cause or the author's reason (kept in the record's note) for going without."""
    if postmortem.status != Postmortem.Status.DRAFT:
        raise ValidationError("Only a draft can be submitted for review.")
    empty = empty_required_sections(postmortem)
    if empty:
        names = ", ".join(f"“{section.title}”" for section in empty)
        raise ValidationError(
            f"Write the required section{'s' if len(empty) > 1 else ''} {names} "
            "before submitting for review."
        )
    if not postmortem.reviewers.exists():
        raise ValidationError("Name at least one reviewer before submitting for review.")
    team = postmortem.incident.team
    if team is not None and team.require_resolved_threads:
        still_open = postmortem.threads.filter(resolved_at__isnull=True).count()
        if still_open:
            raise ValidationError(
                f"{still_open} comment thread{'s are' if still_open > 1 else ' is'} still "
                f"open: {team.name} requires every thread resolved before review. Resolve "
                "them on the review page first."
            )
    note = ""
    bare = list(postmortem.incident.causes.without_corrective_action())
    if bare and not reason.strip():
        raise ValidationError(
            f"{len(bare)} root cause{'s have' if len(bare) > 1 else ' has'} no prevent, "
            "mitigate or detect action item: link one, or give a reason for submitting without."
        )
    if bare:
        note = f"Root causes without an action: {' '.join(reason.split())}"[:300]
    _set_status(
        postmortem, actor, Postmortem.Status.IN_REVIEW, event="postmortem.submitted", note=note
    )
    return postmortem


@transaction.atomic
def postmortem_review(
    *, postmortem: Postmortem, actor: User, decision: str, body: str = ""
) -> Review:
    """Record a reviewer's comment or verdict; asking for changes sends it back to draft."""
    if decision != Review.Decision.COMMENT and postmortem.status != Postmortem.Status.IN_REVIEW:
        raise ValidationError("Only a postmortem in review can be approved or sent back.")
    review = Review(
        postmortem=postmortem,
        reviewer=actor,
        decision=decision,
        body=body,
        postmortem_version=postmortem.version,
    )
    review.full_clean()
    review.save()
    record_change(
        incident=postmortem.incident,
        actor=actor,
        action=ChangeRecord.Action.CREATED,
        target=review,
        values={"decision": [None, decision]},
        note=body[:300],
    )
    if decision == Review.Decision.REQUEST_CHANGES:
        _set_status(
            postmortem,
            actor,
            Postmortem.Status.DRAFT,
            note="changes requested",
            event="postmortem.changes_requested",
        )
    return review


def is_approved(postmortem: Postmortem) -> bool:
    """Return True when someone approved the text as it is now."""
    return postmortem.reviews.filter(
        decision=Review.Decision.APPROVE, postmortem_version=postmortem.version
    ).exists()


@transaction.atomic
def postmortem_publish(*, postmortem: Postmortem, actor: User) -> Postmortem:
    """Publish a postmortem in review that has an approval of its current text."""
    if postmortem.status != Postmortem.Status.IN_REVIEW:
        raise ValidationError("Only a postmortem in review can be published.")
    if not is_approved(postmortem):
        raise ValidationError("A reviewer must approve the current text before publishing.")
    postmortem.published_at = timezone.now()
    _set_status(postmortem, actor, Postmortem.Status.PUBLISHED, event="postmortem.published")
    freeze_version(postmortem=postmortem, actor=actor)
    return postmortem


@transaction.atomic
def postmortem_reopen(*, postmortem: Postmortem, actor: User, reason: str = "") -> Postmortem:
    """Turn a published postmortem back into an editable draft, noting why."""
    if postmortem.status != Postmortem.Status.PUBLISHED:
        raise ValidationError("Only a published postmortem can be reopened.")
    # A version the migration left empty is filled while the document is still as published.
    fill_unfrozen_versions(postmortem)
    postmortem.published_at = None
    _set_status(
        postmortem,
        actor,
        Postmortem.Status.DRAFT,
        note=reason or "reopened",
        event="postmortem.reopened",
    )
    return postmortem


@transaction.atomic
def postmortem_set_template(
    *, incident: Incident, template: PostmortemTemplate, actor: User
) -> Postmortem:
    """Write the incident's postmortem in another template from now on, keeping every text.

    Only a draft may switch: a postmortem in review or published keeps the sections it was
    reviewed in.
    """
    postmortem = postmortem_for(incident)
    old = template_of(postmortem)
    if old.pk == template.pk:
        return postmortem
    if postmortem.is_published:
        raise ValidationError(PUBLISHED_IS_READ_ONLY)
    if postmortem.status != Postmortem.Status.DRAFT:
        raise ValidationError(
            "Only a draft can switch template; ask for changes to send it back to draft."
        )
    if template.is_retired:
        raise ValidationError(f"The template “{template}” is retired; pick one in use.")
    if template.team_id is not None and template.team_id != incident.team_id:
        raise ValidationError(f"The template “{template}” belongs to another team.")
    postmortem.template = template
    postmortem.save(update_fields=["template", "updated_at"])
    sync_sections(postmortem, template)
    record_change(
        incident=incident,
        actor=actor,
        action="updated",
        target=postmortem,
        changes={"template": [old.name, template.name]},
        values={"template": [old.pk, template.pk]},
    )
    return postmortem
