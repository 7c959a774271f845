"""Writes to postmortems: editing, review and publication, each recorded in the history."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from incidents.models import ChangeRecord, Incident, User
from incidents.services import StaleVersionError, diff_fields, record_change, save_versioned
from postmortems.models import Postmortem, Review

NARRATIVE_FIELDS = (
    "trigger",
    "detection",
    "resolution",
    "went_well",
    "went_wrong",
    "got_lucky",
    "closing_remarks",
)
INCIDENT_NARRATIVE_FIELDS = ("summary", "impact")


def postmortem_for(incident: Incident) -> Postmortem:
    """Return the incident's postmortem, creating an empty draft the first time."""
    postmortem, _ = Postmortem.objects.get_or_create(incident=incident)
    return postmortem


def _people_change(before: list[User], after: list[User]) -> list[str] | None:
    old = ", ".join(sorted(str(u) for u in before))
    new = ", ".join(sorted(str(u) for u in after))
    return None if old == new else [old, new]


@transaction.atomic
def postmortem_update(
    *, postmortem: Postmortem, actor: User, data: dict[str, Any], expected_version: int
) -> Postmortem:
    """Save the narrative (and the incident's summary and impact) if nobody saved since.

    The postmortem's version guards both, since the editor is where summary and impact
    are written.
    """
    if postmortem.is_published:
        raise ValidationError("A published postmortem is read-only; reopen it to edit.")
    before = Postmortem.objects.get(pk=postmortem.pk)
    incident = postmortem.incident
    incident_before = Incident.objects.get(pk=incident.pk)
    authors = data.pop("authors", None)
    reviewers = data.pop("reviewers", None)
    for name in INCIDENT_NARRATIVE_FIELDS:
        if name in data:
            setattr(incident, name, data.pop(name))
    for name, value in data.items():
        setattr(postmortem, name, value)
    save_versioned(instance=postmortem, expected_version=expected_version)
    changes = diff_fields(before, postmortem, data.keys())
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


def _set_status(postmortem: Postmortem, actor: User, status: str, note: str = "") -> None:
    before = postmortem.get_status_display()
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
        note=note,
    )


@transaction.atomic
def postmortem_submit_for_review(*, postmortem: Postmortem, actor: User) -> Postmortem:
    """Move a draft to review; it needs at least one named reviewer."""
    if postmortem.status != Postmortem.Status.DRAFT:
        raise ValidationError("Only a draft can be submitted for review.")
    if not postmortem.reviewers.exists():
        raise ValidationError("Name at least one reviewer before submitting for review.")
    _set_status(postmortem, actor, Postmortem.Status.IN_REVIEW)
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
        note=body[:300],
    )
    if decision == Review.Decision.REQUEST_CHANGES:
        _set_status(postmortem, actor, Postmortem.Status.DRAFT, note="changes requested")
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
    _set_status(postmortem, actor, Postmortem.Status.PUBLISHED)
    return postmortem


@transaction.atomic
def postmortem_reopen(*, postmortem: Postmortem, actor: User, reason: str = "") -> Postmortem:
    """Turn a published postmortem back into an editable draft, noting why."""
    if postmortem.status != Postmortem.Status.PUBLISHED:
        raise ValidationError("Only a published postmortem can be reopened.")
    postmortem.published_at = None
    _set_status(postmortem, actor, Postmortem.Status.DRAFT, note=reason or "reopened")
    return postmortem
